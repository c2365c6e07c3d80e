package extractors

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"golang.org/x/net/html"
)

// TestDebugRoots prints the content roots and top candidates chosen for the page
// file HEALTHCRAWL_DEBUG (a debugging aid; skipped otherwise).
func TestDebugRoots(t *testing.T) {
	path := os.Getenv("HEALTHCRAWL_DEBUG")
	if path == "" {
		t.Skip("set HEALTHCRAWL_DEBUG=<page file>")
	}
	if m, _ := filepath.Glob(path + "*"); len(m) > 0 {
		path = m[0]
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(path) == ".gz" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ = io.ReadAll(zr)
	}
	e, _ := New(Options{})
	body, _ := DecodeHTML(raw, "")
	root, _ := html.Parse(bytes.NewReader(body))
	x := &page{e: e, root: root, stats: map[*html.Node]*nstat{}, relatedSeen: map[string]bool{}}
	a := &article.Article{}
	x.run(a)
	desc := func(n *html.Node) string {
		st := x.stats[n]
		return fmt.Sprintf("<%s class=%q id=%q> text=%d link=%d score=%.1f w=%d", n.Data, attr(n, "class"), attr(n, "id"), st.text, st.link, st.score, st.weight)
	}
	for i, c := range x.candidates[:min(8, len(x.candidates))] {
		fmt.Println("cand", i, desc(c))
	}
	for _, r := range x.roots {
		fmt.Println("root", desc(r))
		for p := r.Parent; p != nil && p.Type == html.ElementNode; p = p.Parent {
			fmt.Println("   up", desc(p))
		}
	}
	fmt.Println("type", a.PageType, "sections", len(a.Sections), "teasers")
}

// TestDebugAncestors prints the ancestors (with stats) of the element whose id
// or class contains HEALTHCRAWL_DEBUG_NODE.
func TestDebugAncestors(t *testing.T) {
	path, key := os.Getenv("HEALTHCRAWL_DEBUG"), os.Getenv("HEALTHCRAWL_DEBUG_NODE")
	if path == "" || key == "" {
		t.Skip("set HEALTHCRAWL_DEBUG and HEALTHCRAWL_DEBUG_NODE")
	}
	if m, _ := filepath.Glob(path + "*"); len(m) > 0 {
		path = m[0]
	}
	raw, _ := os.ReadFile(path)
	if filepath.Ext(path) == ".gz" {
		zr, _ := gzip.NewReader(bytes.NewReader(raw))
		raw, _ = io.ReadAll(zr)
	}
	e, _ := New(Options{})
	root, _ := html.Parse(bytes.NewReader(raw))
	x := &page{e: e, root: root, stats: map[*html.Node]*nstat{}, relatedSeen: map[string]bool{}}
	x.run(&article.Article{})
	var target *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil && target == nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (attr(c, "id") == key || attr(c, "class") == key) {
				target = c
				return
			}
			find(c)
		}
	}
	find(root)
	for p := target; p != nil && p.Type == html.ElementNode; p = p.Parent {
		st := x.stats[p]
		fmt.Printf("<%s class=%q id=%q role=%q> text=%d link=%d score=%.1f w=%d flags=%b\n", p.Data, attr(p, "class"), attr(p, "id"), attr(p, "role"), st.text, st.link, st.score, st.weight, st.flags)
	}
}

// TestDebugFile prints the record of page file HEALTHCRAWL_DUMPFILE as JSON.
func TestDebugFile(t *testing.T) {
	path := os.Getenv("HEALTHCRAWL_DUMPFILE")
	if path == "" {
		t.Skip("set HEALTHCRAWL_DUMPFILE=<page file> [HEALTHCRAWL_URL=…]")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := New(Options{})
	a, err := e.Extract(context.Background(), Page{URL: os.Getenv("HEALTHCRAWL_URL"), Body: raw})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(a, "", "  ")
	fmt.Println(string(b))
}
