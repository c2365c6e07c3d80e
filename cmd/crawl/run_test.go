package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/configs"
	"github.com/healthcrawl/healthcrawl/sample"
)

// demoConfigFile writes configs/demo.yaml for base to a temp file.
func demoConfigFile(t *testing.T, base string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.yaml")
	writeFile(t, path, bytes.ReplaceAll(configs.Demo(), []byte("{{BASE}}"), []byte(base)))
	return path
}

// `crawl run` crawls the config's sites and writes one record per article; a page
// that fails makes the exit status 1 while every other record is still written.
func TestRunCommand(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	cfg := demoConfigFile(t, srv.URL)

	r := runCrawl(t, "", nil, "run", "--config", cfg, "--site", "sample-health", "--out", "-")
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	recs := records(t, r.stdout)
	if len(recs) != len(sample.ArticlePaths()) {
		t.Errorf("%d records, want %d", len(recs), len(sample.ArticlePaths()))
	}
	if !strings.Contains(r.stderr, "articles written") {
		t.Errorf("no summary on stderr:\n%s", r.stderr)
	}

	broken := sample.ArticlePaths()[0]
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == broken {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		sample.Handler().ServeHTTP(w, req)
	}))
	defer failing.Close()
	r = runCrawl(t, "", map[string]string{"CRAWL_CRAWL_RETRIES": "0"}, "run", "--config", demoConfigFile(t, failing.URL), "--out", "-")
	if r.code != exitPartial {
		t.Errorf("exit %d with a failing page, want 1\nstderr:\n%s", r.code, r.stderr)
	}
	recs = records(t, r.stdout)
	if len(recs) != len(sample.ArticlePaths())-1 {
		t.Errorf("%d records, want %d", len(recs), len(sample.ArticlePaths())-1)
	}
	for _, rec := range recs {
		if strings.HasSuffix(rec.URL, broken) {
			t.Errorf("record for the failing page %s", broken)
		}
	}
}
