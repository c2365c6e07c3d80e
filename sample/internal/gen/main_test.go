package main

import (
	"bytes"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedSiteIsFresh renders the site into a temporary directory and
// compares it file by file with the committed sample/site: a content or template
// edit without `go generate ./sample` fails here.
func TestGeneratedSiteIsFresh(t *testing.T) {
	out := t.TempDir()
	if err := run(filepath.Join("..", ".."), out, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("run: %v", err)
	}
	committed := filepath.Join("..", "..", "site")
	want := readTree(t, out)
	got := readTree(t, committed)
	if len(want) < 40 {
		t.Fatalf("generator wrote %d files, want at least 40", len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: generated but not committed (run go generate ./sample)", name)
		case !bytes.Equal(g, w):
			t.Errorf("%s: committed file differs from generator output (run go generate ./sample)", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: committed but no longer generated", name)
		}
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	return files
}

func TestExcerptCutsMidWord(t *testing.T) {
	tests := []struct {
		title, lead, want string
	}{
		{"Understanding the Role of Glial Cells in Supporting Neurons", "Glial cells, also known as glia.",
			"Understanding the Role of Glial Cells in Supporting Neurons Glial cells, also kn"},
		{"Are There Any Side Effects or Problems Associated with Buying Generic Brands of Food Medicine and Cosmetics?", "Generic products.",
			"Are There Any Side Effects or Problems Associated with Buying Generic Brands of"},
		{"Short", "Lead.", "Short Lead."},
		{"Émigré café", "naïve résumé", "Émigré café naïve résumé"},
	}
	for _, tt := range tests {
		a := &Article{Title: tt.title, Blocks: []Block{{Kind: "h2", Text: "x"}, {Kind: "p", Text: tt.lead}}}
		if got := a.Excerpt(); got != tt.want {
			t.Errorf("Excerpt(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}

func TestParseBodyNestedListsAndTable(t *testing.T) {
	body := "Lead **bold** text.\n\n## Uses\n\n- Pain\n  - Headache\n  - Toothache\n- Fever\n\n| A | B |\n| 1 | 2 |\n\n## References\n\n1. Ref one. https://doi.org/10.5555/x.1 PMID: 12345678\n"
	blocks, err := parseBody(body)
	if err != nil {
		t.Fatal(err)
	}
	kinds := ""
	for _, b := range blocks {
		kinds += b.Kind + " "
	}
	if kinds != "p h2 ul table h2 ol " {
		t.Fatalf("kinds = %q", kinds)
	}
	if got := len(blocks[2].Items); got != 2 {
		t.Fatalf("top-level items = %d, want 2", got)
	}
	if sub := blocks[2].Items[0].Sub; len(sub) != 2 || sub[1].Text != "Toothache" {
		t.Fatalf("nested items = %+v", sub)
	}
	if blocks[3].Rows[1][1] != "2" {
		t.Fatalf("table rows = %v", blocks[3].Rows)
	}
	if blocks[5].Class != "references" {
		t.Fatalf("references class = %q", blocks[5].Class)
	}
	html := string(renderBlocks(blocks[5:], 0, nil))
	for _, want := range []string{`<a href="https://doi.org/10.5555/x.1" rel="nofollow">https://doi.org/10.5555/x.1</a>`, `PMID: 12345678</a>`, `<ol class="references">`} {
		if !bytes.Contains([]byte(html), []byte(want)) {
			t.Errorf("rendered references lack %q:\n%s", want, html)
		}
	}
}
