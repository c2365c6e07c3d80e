package crawler

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/internal/condsite"
	"github.com/healthcrawl/healthcrawl/store"
)

func TestZZAlternate(t *testing.T) {
	pages := 2000
	site := condsite.New(BenchSite{Pages: pages, PerList: 50})
	srv := httptest.NewServer(site)
	defer srv.Close()
	cfg := config.Default()
	cfg.Crawl.Delay = 0
	cfg.Sites = []config.Site{{Name: "bench", StartURLs: []string{srv.URL + "/"}, Articles: []string{`/article/[0-9]+$`}, MaxPages: pages + 1000}}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	kinds := []string{"memory", "sqlite"}
	if k := os.Getenv("ZZKIND"); k != "" {
		kinds = []string{k}
	}
	for i := 0; i < 4; i++ {
		for _, kind := range kinds {
			var st store.Store
			if kind == "sqlite" {
				st, _ = store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "s.db"))
			}
			var sink countingSink
			c0, w0 := cpu(), time.Now()
			RunJob(context.Background(), JobOptions{Config: cfg, Sink: &sink, Store: st})
			t.Logf("%s cpu %.2fs wall %.2fs", kind, (cpu() - c0).Seconds(), time.Since(w0).Seconds())
			if st != nil {
				st.Close()
			}
		}
	}
}
