package output_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/textingest"
	"go.yaml.in/yaml/v3"
)

// mdMeta are the front matter keys of a Markdown document.
type mdMeta struct {
	Title      string   `yaml:"title"`
	URL        string   `yaml:"url"`
	Authors    []string `yaml:"authors"`
	Published  string   `yaml:"published"`
	Modified   string   `yaml:"modified"`
	ReviewedBy string   `yaml:"reviewed_by"`
	Language   string   `yaml:"language"`
}

type mdDoc struct {
	Meta mdMeta
	Raw  map[string]any // the front matter as a generic YAML loader reads it
	Body string
}

// loadMarkdown reads a Markdown output file as its users are told to: split on
// "\n\f\n", each part (trimmed of blank lines) one document, its YAML front matter
// between the first two "---" lines (no other key than the documented ones).
func loadMarkdown(t *testing.T, data []byte) []mdDoc {
	t.Helper()
	var docs []mdDoc
	for i, part := range strings.Split(string(data), "\n\f\n") {
		part = strings.Trim(part, "\n")
		if part == "" {
			t.Errorf("document %d empty", i)
			continue
		}
		rest, ok := strings.CutPrefix(part, "---\n")
		fm, body, ok2 := strings.Cut(rest, "\n---\n")
		if !ok || !ok2 {
			t.Errorf("document %d has no front matter:\n%s", i, part)
			continue
		}
		var d mdDoc
		dec := yaml.NewDecoder(strings.NewReader(fm))
		dec.KnownFields(true)
		if err := dec.Decode(&d.Meta); err != nil {
			t.Errorf("document %d front matter: %v\n%s", i, err, fm)
		}
		if err := yaml.Unmarshal([]byte(fm), &d.Raw); err != nil {
			t.Errorf("document %d front matter: %v", i, err)
		}
		d.Body = strings.TrimPrefix(body, "\n")
		docs = append(docs, d)
	}
	return docs
}

// The front matter holds title, url, authors, published, modified, reviewed_by and
// language in this order, quoted by the YAML library where a value would read as
// something else: a generic loader reads back the same strings (dates and "no" stay
// strings), whatever markup the values hold.
func TestMarkdownFrontMatter(t *testing.T) {
	a := &article.Article{
		Title:       `Gout: causes & "treatment" #1 — [part 2]`,
		URL:         "https://health.example/gout?x=1#causes",
		Authors:     []string{"Dr. Ann Lee, MD", "- Bob", "'Cy'", " ", "@dee"},
		PublishedAt: "2025-01-02",
		ModifiedAt:  "2024-03-18T09:12:00Z",
		ReviewedBy:  "yes\n---\nreviewer: injected",
		Language:    "no",
		Sections:    []article.Section{{Blocks: []article.Block{{Type: article.BlockParagraph, Text: "Body."}}}},
	}
	got := output.RenderMarkdown(a)
	docs := loadMarkdown(t, []byte(got))
	if len(docs) != 1 {
		t.Fatalf("%d documents:\n%s", len(docs), got)
	}
	want := mdMeta{Title: a.Title, URL: a.URL, Authors: []string{"Dr. Ann Lee, MD", "- Bob", "'Cy'", "@dee"},
		Published: "2025-01-02", Modified: "2024-03-18T09:12:00Z", ReviewedBy: a.ReviewedBy, Language: "no"}
	if d := cmp.Diff(want, docs[0].Meta); d != "" {
		t.Errorf("front matter (-want +got):\n%s\n%s", d, got)
	}
	for k, v := range docs[0].Raw {
		if _, ok := v.(string); !ok && k != "authors" {
			t.Errorf("generic loader reads %s as %T (%v), want a string", k, v, v)
		}
	}
	var keys []string
	for _, l := range strings.Split(got, "\n") {
		if k, _, ok := strings.Cut(l, ":"); ok && k != "" && !strings.ContainsAny(k, " -#\"'") {
			keys = append(keys, k)
		}
	}
	if d := cmp.Diff([]string{"title", "url", "authors", "published", "modified", "reviewed_by", "language"}, keys); d != "" {
		t.Errorf("keys (-want +got):\n%s\n%s", d, got)
	}
	if !strings.HasSuffix(got, "\n---\n\n# Gout: causes & \"treatment\" #1 — \\[part 2\\]\n\nBody.\n") {
		t.Errorf("body after the front matter:\n%s", got)
	}

	// Empty keys are left out; no metadata at all, no front matter.
	for _, tc := range []struct {
		a    *article.Article
		want string
	}{
		{&article.Article{URL: "https://h.example/a", Authors: []string{""}}, "---\nurl: https://h.example/a\n---\n"},
		{&article.Article{Title: "  T  ", Language: "en"}, "---\ntitle: T\nlanguage: en\n---\n\n# T\n"},
		{&article.Article{Title: "bad \xff utf-8"}, "---\ntitle: bad \uFFFD utf-8\n---\n\n# bad \xff utf-8\n"},
		{&article.Article{Authors: []string{" "}}, ""},
	} {
		if got := output.RenderMarkdown(tc.a); got != tc.want {
			t.Errorf("RenderMarkdown(%+v) = %q, want %q", tc.a, got, tc.want)
		}
	}
}

// mdRec is a record with a body that holds a thematic break (the related stubs),
// a title over two lines and a form feed in a code block.
func mdRec(i int) *article.Article {
	a := &article.Article{URL: recURL(i), Title: "Title\n---\n" + recURL(i), Authors: []string{"A"}, PublishedAt: "2025-01-02",
		Sections: []article.Section{{Blocks: []article.Block{
			{Type: article.BlockParagraph, Text: "Body of " + recURL(i)},
			{Type: article.BlockCode, Text: "page\f\nbreak\n\f\n"},
		}}},
		Related: []article.Related{{Title: "Next", URL: "https://health.example/next"}}}
	a.Finalize()
	return a
}

// appendRuns writes records rec(0), rec(1), … to path, runs[0] of them in a first run
// (the output opened and closed), the next runs[1] in a second run appending, ….
func appendRuns(t *testing.T, path string, rec func(int) *article.Article, runs ...int) {
	t.Helper()
	i := 0
	for _, n := range runs {
		s, err := output.OpenSpec(context.Background(), output.Spec{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		var recs []*article.Article
		for range n {
			recs = append(recs, rec(i))
			i++
		}
		writeAll(t, s, recs)
	}
}

// A Markdown file of several records, written by two runs (the second appends):
// split on the form-feed line, each document is one record, its front matter first,
// in the order written.
func TestMarkdownFileLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.md")
	appendRuns(t, path, mdRec, 3, 2)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	docs := loadMarkdown(t, data)
	if len(docs) != 5 {
		t.Fatalf("%d documents, want 5:\n%s", len(docs), data)
	}
	for i, d := range docs {
		want := mdRec(i)
		if d.Meta.URL != want.URL || d.Meta.Title != want.Title || d.Meta.Published != "2025-01-02" || len(d.Meta.Authors) != 1 {
			t.Errorf("document %d: %+v", i, d.Meta)
		}
		if !strings.HasPrefix(d.Body, "# Title --- "+want.URL+"\n\nBody of ") || !strings.Contains(d.Body, "\n---\n\n- [Next]") {
			t.Errorf("document %d body:\n%s", i, d.Body)
		}
	}
	if bytes.Count(data, []byte("\f")) != 4 {
		t.Errorf("%d form feeds, want the 4 separators", bytes.Count(data, []byte("\f")))
	}
}

// The text format appends the same way: a second run's first record starts after the
// separator, not glued to the last record of the first run.
func TestTextFileAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	appendRuns(t, path, func(i int) *article.Article {
		return &article.Article{Title: "Title " + recURL(i), Sections: []article.Section{{Blocks: []article.Block{{Type: article.BlockParagraph, Text: "Body."}}}}}
	}, 2, 1)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := textingest.ParseRaw(f, path)
	if err != nil || len(recs) != 3 {
		t.Fatalf("ParseRaw: %d records, %v", len(recs), err)
	}
	for i, r := range recs {
		if r.Title != "Title "+recURL(i) {
			t.Errorf("record %d title %q", i, r.Title)
		}
	}
}
