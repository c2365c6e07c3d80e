package crawler

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/extractors"
)

// The generated bench site's pages are what they claim: "Articles, page N"
// listing pages are listings, article pages are articles.
func TestBenchSitePageTypes(t *testing.T) {
	srv := httptest.NewServer(BenchSite{Pages: 120, PerList: 50})
	defer srv.Close()
	ex, err := extractors.New(extractors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/list/1": article.PageListing, "/list/2": article.PageListing, "/list/3": article.PageListing,
		"/article/7": article.PageArticle, "/article/120": article.PageArticle,
	} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		a, err := ex.Extract(context.Background(), extractors.Page{URL: srv.URL + path, Body: body, Header: resp.Header})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if a.PageType != want {
			t.Errorf("%s: page_type %q, want %q", path, a.PageType, want)
		}
	}
}
