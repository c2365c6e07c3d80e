package config_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// README's table of contents lists every ## and ### heading in order, each linked
// to its GitHub anchor (scripts/readme-toc.py regenerates it).
func TestReadmeTableOfContents(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start, end := strings.Index(text, "<!-- toc -->\n"), strings.Index(text, "<!-- /toc -->")
	if start < 0 || end < start {
		t.Fatal("README has no <!-- toc --> … <!-- /toc --> block")
	}
	toc := strings.Split(strings.TrimSpace(text[start+len("<!-- toc -->\n"):end]), "\n")
	heading := regexp.MustCompile(`^(#{2,3}) (.+)$`)
	drop := regexp.MustCompile(`[^\p{L}\p{N}_\- ]`)
	seen := map[string]int{}
	var want []string
	fence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
			continue
		}
		m := heading.FindStringSubmatch(line)
		if fence || m == nil || m[2] == "Contents" {
			continue
		}
		a := strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(strings.ReplaceAll(m[2], "`", "")), ""), " ", "-")
		if n := seen[a]; n > 0 {
			seen[a]++
			a += "-" + string(rune('0'+n))
		} else {
			seen[a] = 1
		}
		indent := ""
		if m[1] == "###" {
			indent = "  "
		}
		want = append(want, indent+"- ["+m[2]+"](#"+a+")")
	}
	if strings.Join(toc, "\n") != strings.Join(want, "\n") {
		t.Errorf("README's table of contents is not its headings (run scripts/readme-toc.py):\ngot:\n%s\nwant:\n%s", strings.Join(toc, "\n"), strings.Join(want, "\n"))
	}
	if len(want) < 10 {
		t.Errorf("only %d headings found", len(want))
	}
}
