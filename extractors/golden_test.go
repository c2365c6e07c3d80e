package extractors

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/sample"
)

var update = flag.Bool("update", false, "rewrite testdata/cases/*/want.json from the extractor's output")

// TestGoldenCases extracts the bundled sample site's page named by
// testdata/cases/<name>/url.txt (its path, served under that URL's host: one
// case per template — blog, news, reference, home and category pages), or
// testdata/cases/<name>/page.html when a case has its own page, and compares
// the whole record with want.json. Run `go test ./extractors -run TestGoldenCases -update` after an
// intended change, and review the diff of every want.json.
func TestGoldenCases(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "cases", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			u, err := os.ReadFile(filepath.Join(dir, "url.txt"))
			if err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(filepath.Join(dir, "page.html"))
			if errors.Is(err, fs.ErrNotExist) {
				body, err = samplePage(strings.TrimSpace(string(u)))
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Extract(context.Background(), Page{URL: strings.TrimSpace(string(u)), Body: body})
			if err != nil {
				t.Fatal(err)
			}
			wantPath := filepath.Join(dir, "want.json")
			if *update {
				b, err := json.MarshalIndent(got, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(wantPath, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			raw, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			var want article.Article
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("record differs from %s (-want +got):\n%s", wantPath, diff)
			}
		})
	}
}

// samplePage returns the bundled sample site's page at rawURL's path, as served
// under rawURL's scheme and host.
func samplePage(rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return sample.Page(u.Path, u.Scheme+"://"+u.Host)
}
