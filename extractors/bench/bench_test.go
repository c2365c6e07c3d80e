package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// sharedDir is ../shared beside the module root.
func sharedDir(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	d := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "benchmarks")
	if _, err := os.Stat(d); err != nil {
		t.Skip("../shared/benchmarks not present")
	}
	return d
}

func TestTokensLikePython(t *testing.T) {
	got := Tokens("Hello, wörld_1 — 42%  日本語 x")
	want := []string{"Hello", "wörld_1", "42", "日本語", "x"}
	if len(got) != len(want) {
		t.Fatalf("Tokens = %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("Tokens = %q, want %q", got, want)
		}
	}
}

func TestDocCounts(t *testing.T) {
	tp, fp, fn, _, _ := DocCounts("a b c d e", "a b c d x")
	// true shingles: abcd, bcde; pred: abcd, bcdx → tp 1, fp 1, fn 1 → 1/3 each.
	if tp < 0.333 || tp > 0.334 || fp < 0.333 || fn < 0.333 {
		t.Fatalf("DocCounts = %v %v %v, want 1/3 each", tp, fp, fn)
	}
	tp, fp, fn, _, _ = DocCounts("", "")
	if tp != 0 || fp != 0 || fn != 0 {
		t.Fatalf("empty: %v %v %v", tp, fp, fn)
	}
}

// TestReport runs the whole benchmark when HEALTHCRAWL_BENCH=1 (slow; a
// developer tool, the real entry point is `crawl bench extract`).
func TestReport(t *testing.T) {
	if os.Getenv("HEALTHCRAWL_BENCH") == "" {
		t.Skip("set HEALTHCRAWL_BENCH=1 to run the benchmark report")
	}
	d := sharedDir(t)
	opts := Options{
		AEBDir:         filepath.Join(d, "article-extraction"),
		ReadabilityDir: filepath.Join(d, "readability-pages"),
		PredPath:       os.Getenv("HEALTHCRAWL_PRED"),
		Worst:          40,
		SpeedRounds:    -1,
	}
	if os.Getenv("HEALTHCRAWL_SPEED") != "" {
		opts.SpeedRounds = 3
	}
	if _, err := Run(context.Background(), opts, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// TestDump prints the record of benchmark page HEALTHCRAWL_DUMP (an AEB id
// prefix or a readability page name) — a debugging aid.
func TestDump(t *testing.T) {
	id := os.Getenv("HEALTHCRAWL_DUMP")
	if id == "" {
		t.Skip("set HEALTHCRAWL_DUMP=<id prefix|readability name>")
	}
	d := sharedDir(t)
	proc, _, err := NewProcessorLenient()
	if err != nil {
		t.Fatal(err)
	}
	var path, url string
	if m, _ := filepath.Glob(filepath.Join(d, "article-extraction", "html", id+"*.html.gz")); len(m) > 0 {
		path = m[0]
		url = "http://example.com/"
		_, truth, err := loadAEB(filepath.Join(d, "article-extraction"))
		if err == nil {
			for k, v := range truth {
				if filepath.Base(path) == k+".html.gz" {
					url = v.URL
				}
			}
		}
	} else {
		path = filepath.Join(d, "readability-pages", "pages", id, "source.html")
		url = readabilityURL
	}
	body, err := ReadPage(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := proc.Process(context.Background(), url, body)
	if err != nil || a == nil {
		t.Fatalf("process: %v %v", a, err)
	}
	fmt.Printf("type=%s title=%q authors=%q pub=%q mod=%q lang=%q site=%q rb=%q ra=%q\n", a.PageType, a.Title, a.Authors, a.PublishedAt, a.ModifiedAt, a.Language, a.SiteName, a.ReviewedBy, a.ReviewedAt)
	for _, s := range a.Sections {
		fmt.Printf("## [h%d] %s\n", s.Level, s.Heading)
		for _, b := range s.Blocks {
			fmt.Printf("  <%s> %s\n", b.Type, strings.ReplaceAll(b.BlockText(), "\n", "\n     "))
		}
	}
	for _, r := range a.Related {
		fmt.Printf("REL %q %s %q trunc=%v\n", r.Title, r.URL, r.Snippet, r.Truncated)
	}
	for _, r := range a.References {
		fmt.Printf("REF %q %s doi=%s pmid=%s\n", r.Text, r.URL, r.DOI, r.PMID)
	}
}

// TestReadabilityDetail lists per-page misses on the readability pages.
func TestReadabilityDetail(t *testing.T) {
	if os.Getenv("HEALTHCRAWL_RD") == "" {
		t.Skip("set HEALTHCRAWL_RD=1")
	}
	d := sharedDir(t)
	proc, _, err := NewProcessorLenient()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := runReadability(context.Background(), proc, filepath.Join(d, "readability-pages"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rd.TitleMisses {
		fmt.Println("TITLE", m)
	}
	for name, v := range rd.HeadingsByPage {
		if v[0] < v[1] {
			fmt.Printf("HEAD %s %d/%d\n", name, v[0], v[1])
		}
	}
	for name, v := range rd.ItemsByPage {
		if v[0] < v[1] {
			fmt.Printf("ITEM %s %d/%d\n", name, v[0], v[1])
		}
	}
}

// TestReadabilityMisses prints the expected headings and list items of the
// readability page HEALTHCRAWL_RDPAGE that the extractor did not produce.
func TestReadabilityMisses(t *testing.T) {
	name := os.Getenv("HEALTHCRAWL_RDPAGE")
	if name == "" {
		t.Skip("set HEALTHCRAWL_RDPAGE=<readability page name>")
	}
	d := sharedDir(t)
	proc, _, _ := NewProcessorLenient()
	pdir := filepath.Join(d, "readability-pages", "pages", name)
	src, _ := os.ReadFile(filepath.Join(pdir, "source.html"))
	exp, _ := os.ReadFile(filepath.Join(pdir, "expected.html"))
	a, _, _ := proc.ProcessReason(context.Background(), readabilityURL, src)
	var hs, items []string
	for _, s := range a.Sections {
		if s.Heading != "" {
			hs = append(hs, Norm(s.Heading))
		}
		for _, b := range s.Blocks {
			for _, it := range b.Items {
				items = append(items, Norm(it.ItemText()))
			}
		}
	}
	for _, r := range a.References {
		items = append(items, Norm(r.Text))
	}
	eh, ei, _, _ := expectedStructure(exp)
	show := func(kind string, want, got []string) {
		j := 0
		for _, w := range want {
			found := false
			for k := j; k < len(got); k++ {
				if got[k] == w {
					j = k + 1
					found = true
					break
				}
			}
			if !found {
				fmt.Printf("MISS %s %.120q\n", kind, w)
			}
		}
	}
	show("H", eh, hs)
	show("I", ei, items)
}
