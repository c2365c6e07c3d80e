package crawler

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/sample"
)

// Probe reads a page as a crawl does and gives its page type and the links a crawl
// would queue (robots.txt and the domain rules applied, canonical, each once);
// RobotsSitemaps gives the robots.txt Sitemap: lines, or an error when robots.txt
// cannot be read.
func TestProbe(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	cfg := config.Default()
	cfg.Crawl.Delay = 0
	site := config.SiteDefaults()
	site.Name = "sample"
	site.StartURLs = []string{srv.URL + "/"}
	ctx := context.Background()
	pf := NewPageFetcher(ctx, cfg, site, nil)
	defer pf.Close()

	sm, err := pf.RobotsSitemaps(ctx, srv.URL+"/")
	if err != nil || !slices.Equal(sm, []string{srv.URL + "/sitemap.xml"}) {
		t.Errorf("RobotsSitemaps = %q, %v", sm, err)
	}
	home, err := pf.Probe(ctx, srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if home.PageType != article.PageListing || home.Status != http.StatusOK || home.URL != srv.URL+"/" {
		t.Errorf("home: %+v", home)
	}
	seen := map[string]bool{}
	articles := 0
	for _, l := range home.Links {
		u, err := url.Parse(l)
		if err != nil || u.Scheme+"://"+u.Host != srv.URL || seen[l] {
			t.Errorf("link %q: not a canonical link of the site, or repeated", l)
		}
		seen[l] = true
		if slices.Contains(sample.PrivatePaths(), u.Path) {
			t.Errorf("link %s: robots.txt disallows it", l)
		}
		if slices.Contains(sample.ArticlePaths(), u.Path) {
			articles++
		}
	}
	if articles < 10 || !seen[srv.URL+"/category/nutrition/"] {
		t.Errorf("home links: %d articles, %q", articles, home.Links)
	}
	a, err := pf.Probe(ctx, srv.URL+sample.SeedPath)
	if err != nil || a.PageType != article.PageArticle || a.Title == "" {
		t.Errorf("article: %+v, %v", a, err)
	}
	var pe *PageError
	if _, err := pf.Probe(ctx, srv.URL+sample.PrivatePaths()[0]); !errors.As(err, &pe) || pe.Outcome.Category != CatRobots {
		t.Errorf("private page: %v, want a robots.txt PageError", err)
	}
	if _, err := pf.Probe(ctx, srv.URL+"/nope.html"); !errors.As(err, &pe) || pe.Outcome.Status != http.StatusNotFound {
		t.Errorf("missing page: %v, want a 404 PageError", err)
	}

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	cfg.Crawl.Retries = 0
	site.StartURLs = []string{down.URL + "/"}
	pd := NewPageFetcher(ctx, cfg, site, nil)
	defer pd.Close()
	if sm, err := pd.RobotsSitemaps(ctx, down.URL+"/"); err == nil || !strings.Contains(err.Error(), "robots.txt") || sm != nil {
		t.Errorf("robots.txt 503: %q, %v; want an error naming robots.txt", sm, err)
	}
}
