package output_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

// tsvLines is a sink written for this test the way a new output format is added:
// one type and one RegisterPath call (see the README's architecture notes).
type tsvLines struct{ f *os.File }

func (s *tsvLines) Write(_ context.Context, a *article.Article) error {
	_, err := fmt.Fprintf(s.f, "%s\t%s\n", a.URL, a.Title)
	return err
}

func (s *tsvLines) Close(context.Context) error { return s.f.Close() }

// A path format registered from outside the built-ins is known by name and by
// extension, opened by OpenSpec, and rotated like the others.
func TestRegisteredPathFormatIsUsedEverywhere(t *testing.T) {
	output.RegisterPath(output.PathFormat{
		Name: "tsv-lines-test", Exts: []string{".tsvlinestest"},
		Open: func(p string) (output.Sink, error) {
			f, err := os.Create(p)
			if err != nil {
				return nil, err
			}
			return &tsvLines{f: f}, nil
		},
		Doc: "test format",
	})
	path := filepath.Join(t.TempDir(), "out.tsvlinestest")
	format := output.FormatForPath(path)
	if format != "tsv-lines-test" || !output.HasFormat(format) {
		t.Fatalf("FormatForPath(%s) = %q (registered: %v)", path, format, output.HasFormat(format))
	}
	ctx := context.Background()
	s, err := output.OpenSpec(ctx, output.Spec{Path: path, Format: format, Rotate: output.Rotate{MaxRecords: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Write(ctx, &article.Article{URL: fmt.Sprintf("https://example.org/%d", i), Title: fmt.Sprint("T", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{
		1: "https://example.org/0\tT0\nhttps://example.org/1\tT1\n",
		2: "https://example.org/2\tT2\n",
	} {
		b, err := os.ReadFile(output.NumberedPath(path, n))
		if err != nil || string(b) != want {
			t.Errorf("part %d: %q, %v; want %q", n, b, err, want)
		}
	}
	if _, err := os.Stat(output.NumberedPath(path, 3)); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("part 3: %v, want none", err)
	}
}
