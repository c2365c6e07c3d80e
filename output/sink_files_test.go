package output_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

// Hostile URLs become safe, unique paths inside the output directory, each holding
// its own record.
func TestFilesSinkSafePaths(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "out")
	s, err := output.NewFilesSink(root)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("very-long-slug-", 40)
	urls := []string{
		"https://h.example/a/../../../../etc/passwd",
		"https://h.example/..",
		"https://h.example/../..",
		"https://h.example/a%2F..%2F..%2Fescape",
		"https://h.example/%2e%2e%2f%2e%2e%2fx",
		"https://h.example/nul\x00byte",
		"https://h.example/x%00y",
		"https://h.example/CON",
		"https://h.example/posts/nul.html",
		"https://h.example/com1",
		"https://h.example/" + long,
		"https://h.example/" + long + "different-tail",
		"https://h.example/same-slug",
		"https://h.example/other/same-slug",
		"https://h.example/SAME-SLUG",
		"https://h.example/",
		"https://h.example/%ff%fe",
		"https://h.example/back\\slash\\..\\..",
		"https://h.example/ünïcödé-漢字",
		"",
	}
	fetched := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	sites := []string{"../../evil", "ok", "", "con", "a/b", "x\x00y"}
	var recs []*article.Article
	for i, u := range urls {
		a := &article.Article{PageType: article.PageArticle, URL: u, Site: sites[i%len(sites)], Title: "T " + u}
		switch i % 3 {
		case 0:
			a.PublishedAt = "2025-07-04"
		case 1:
			a.FetchedAt = &fetched
		}
		if u == "" {
			a.Source = "stdin"
			a.Title = "../../"
		}
		a.Finalize()
		recs = append(recs, a)
		if err := s.Write(ctx, a); err != nil {
			t.Fatalf("%q: %v", u, err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	seen := map[string]string{}
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == output.FilesIndexName {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		parts := strings.Split(rel, string(filepath.Separator))
		if len(parts) != 3 && len(parts) != 4 { // site/undated/slug or site/yyyy/mm/slug
			t.Errorf("%s: %d path parts", rel, len(parts))
		}
		name := parts[len(parts)-1]
		stem := strings.TrimSuffix(name, ".json")
		if stem == name || strings.HasPrefix(name, ".") {
			t.Errorf("%s: bad file name", rel)
		}
		for _, part := range parts {
			base := strings.ToLower(strings.SplitN(part, ".", 2)[0])
			switch base {
			case "con", "nul", "prn", "aux", "com1", "lpt1", "", "..", ".":
				t.Errorf("%s: reserved or empty part %q", rel, part)
			}
			if strings.ContainsAny(part, "\x00\\:") {
				t.Errorf("%s: unsafe character in %q", rel, part)
			}
		}
		if len(strings.TrimSuffix(stem, "-2")) > output.MaxSlugBytes {
			t.Errorf("%s: slug longer than %d bytes", rel, output.MaxSlugBytes)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var a article.Article
		if err := json.Unmarshal(b, &a); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
		seen[a.URL+"|"+a.Source] = rel
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(recs) {
		t.Errorf("%d files for %d distinct records: %v", len(seen), len(recs), seen)
	}
	// Nothing escaped: the parent directory holds only the output directory.
	if ents, _ := os.ReadDir(filepath.Dir(root)); len(ents) != 1 {
		t.Errorf("files written next to the output directory: %v", ents)
	}
	if p := seen["https://h.example/CON|"]; !strings.HasSuffix(p, "con_.json") {
		t.Errorf("CON → %s", p)
	}
	if p := seen["https://h.example/a%2F..%2F..%2Fescape|"]; !strings.HasSuffix(p, filepath.Join("2025", "07", "a-escape.json")) {
		t.Errorf("%%2F → %s", p)
	}
}

// The same URL written twice keeps one file (the later record); dates pick the directory.
func TestFilesSinkSameURLAndDates(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, _ := output.NewFilesSink(root)
	a := &article.Article{PageType: "article", URL: "https://h.example/p/post.html", Site: "blog", Title: "v1", PublishedAt: "2024-02-29T10:00:00Z"}
	b := a.Clone()
	b.Title = "v2"
	for _, r := range []*article.Article{a, b} {
		if err := s.Write(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(root, "blog", "2024", "02", "post.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got article.Article
	if err := json.Unmarshal(data, &got); err != nil || got.Title != "v2" {
		t.Errorf("got %q, %v", got.Title, err)
	}
	// Different URLs with one slug in one directory: -2, -3, … (case-insensitively).
	long := strings.Repeat("long-slug-", 20)
	for i, u := range []string{"https://h.example/a/same", "https://h.example/b/same", "https://h.example/SAME",
		"https://h.example/" + long + "one", "https://h.example/" + long + "two"} {
		r := &article.Article{PageType: "article", URL: u, Site: "blog"}
		if err := s.Write(ctx, r); err != nil {
			t.Fatal(err)
		}
		want := []string{"same.json", "same-2.json", "same-3.json", long[:output.MaxSlugBytes-1] + ".json", long[:output.MaxSlugBytes-1] + "-2.json"}[i]
		data, err := os.ReadFile(filepath.Join(root, "blog", "undated", want))
		if err != nil {
			t.Errorf("%s: %v", u, err)
			continue
		}
		var back article.Article
		if err := json.Unmarshal(data, &back); err != nil || back.URL != u {
			t.Errorf("%s holds %q (%v), want %s", want, back.URL, err, u)
		}
	}
	for _, tc := range []struct {
		a    *article.Article
		want string
	}{
		{&article.Article{URL: "https://h.example/x", PublishedAt: "2025-13-01"}, filepath.Join("h-example", "undated", "x.json")},
		{&article.Article{Site: "S", Title: "Hello, World!"}, filepath.Join("s", "undated", "hello-world.json")},
	} {
		if got := output.FilePath(tc.a); got != tc.want {
			t.Errorf("FilePath = %s, want %s", got, tc.want)
		}
	}
}

// FilePath never leaves the directory, whatever the record says: every part is a
// non-empty, non-reserved name of letters, digits, '-' and '_' (plus ".json").
func FuzzFilePath(f *testing.F) {
	for _, s := range []string{"https://h.example/a/../../b", "..", "%2F..%2F", "x\x00y", "CON", "/", "", "https://h/é漢字"} {
		f.Add(s, s, "2025-01-01")
	}
	f.Fuzz(func(t *testing.T, url, site, published string) {
		a := &article.Article{URL: url, Site: site, PublishedAt: published, Title: url}
		p := output.FilePath(a)
		if filepath.IsAbs(p) || !filepath.IsLocal(p) {
			t.Fatalf("FilePath(%q, %q) = %q: not local", url, site, p)
		}
		parts := strings.Split(p, string(filepath.Separator))
		for i, part := range parts {
			name := part
			if i == len(parts)-1 {
				name = strings.TrimSuffix(part, ".json")
			}
			if name == "" || len(name) > output.MaxSlugBytes+1 || strings.ContainsAny(name, "./\\\x00:") {
				t.Fatalf("FilePath(%q, %q) = %q: bad part %q", url, site, p, part)
			}
		}
	})
}
