package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/internal/testutil"
)

// result of one in-process command run.
type ran struct {
	code           int
	stdout, stderr string
}

// runCrawl runs the command tree in-process with buffers and an empty environment
// plus env.
func runCrawl(t *testing.T, stdin string, env map[string]string, args ...string) ran {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code := execute(context.Background(), args, stdio{in: strings.NewReader(stdin), out: &out, err: &errb}, lookup)
	return ran{code: code, stdout: out.String(), stderr: errb.String()}
}

// articleHTML is a well-formed article page long enough to pass the default filter.
// Its body text is generated from the title, so pages with different titles are not
// duplicates of each other.
func articleHTML(title string) string {
	h := fnv.New64a()
	h.Write([]byte(title))
	rng := rand.New(rand.NewPCG(h.Sum64(), 7))
	words := strings.Fields(`sleep heart blood pressure muscle joint vitamin protein fibre water walking stretching
		breathing stress mood memory immune skin bone calcium iron diet exercise rest recovery posture balance
		strength energy fatigue hydration nutrition weight habit routine morning evening doctor nurse therapy
		symptom risk benefit study adults children older people weekly daily gentle brisk steady simple`)
	para := func(n int) string {
		var sb strings.Builder
		for i := range n {
			if i%12 == 0 {
				if i > 0 {
					sb.WriteString(". ")
				}
				w := words[rng.IntN(len(words))]
				sb.WriteString(strings.ToUpper(w[:1]) + w[1:])
				continue
			}
			sb.WriteString(" " + words[rng.IntN(len(words))])
		}
		sb.WriteString(".")
		return sb.String()
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s | Test Health</title></head><body>", title)
	sb.WriteString(`<header><nav><a href="/">Home</a> <a href="/category/sleep/">Sleep</a></nav></header><main><article>`)
	fmt.Fprintf(&sb, "<h1>%s</h1>", title)
	fmt.Fprintf(&sb, "<p>%s</p>", para(36))
	fmt.Fprintf(&sb, "<h2>How much is enough?</h2><p>Most guidelines recommend at least 150 minutes of moderate activity a week. %s</p>", para(30))
	fmt.Fprintf(&sb, "<ul><li>Walking: %s</li><li>Cycling: %s</li></ul>", para(10), para(10))
	fmt.Fprintf(&sb, "<h2>Getting started</h2><p>%s</p>", para(40))
	sb.WriteString(`</article></main><footer><p>© 2026 Test Health</p></footer></body></html>`)
	return sb.String()
}

// records decodes JSON Lines output, validating each record against the schema.
func records(t *testing.T, out string) []article.Article {
	t.Helper()
	testutil.ValidateJSONL(t, []byte(out))
	var recs []article.Article
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var a article.Article
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("bad record line %q: %v", line, err)
		}
		recs = append(recs, a)
	}
	return recs
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sources(recs []article.Article) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Source)
	}
	return out
}
