package crawler

import (
	"context"
	"net/http/httptest"
	"testing"
)

// The scale benchmark crawls the whole site with either state and reports its two
// windows from samples taken at the warm-up and at every tenth of the pages.
func TestRunScaleCrawl(t *testing.T) {
	srv := httptest.NewServer(BenchSite{Pages: 400, PerList: 50})
	defer srv.Close()
	for _, state := range []string{"memory", "sqlite"} {
		res, err := RunScaleCrawl(context.Background(), ScaleOptions{SiteURL: srv.URL, Pages: 400, Parallelism: 4, State: state, Warmup: 100, Dir: t.TempDir()})
		if err != nil {
			t.Fatalf("%s: %v", state, err)
		}
		if res.State != state || res.Articles != 400 || res.Fetched != 400+8+2 || res.Warmup != 100 {
			t.Fatalf("%s: result %+v", state, res)
		}
		// Marks: the warm-up (100), its window's end (140), every tenth (40 … 400) and
		// the last window's start (360, also a tenth).
		want := []int{40, 80, 100, 120, 140, 160, 200, 240, 280, 320, 360, 400}
		if len(res.Samples) != len(want) {
			t.Fatalf("%s: %d samples, want %d: %+v", state, len(res.Samples), len(want), res.Samples)
		}
		for i, s := range res.Samples {
			if s.Records < want[i] || (i > 0 && s.CPU < res.Samples[i-1].CPU) {
				t.Fatalf("%s: sample %d = %+v, want records ≥ %d and CPU not decreasing", state, i, s, want[i])
			}
		}
		if res.FirstPerPg <= 0 || res.LastPerPg <= 0 || res.Growth <= 0 || res.CPU <= 0 || res.PeakRSS <= 0 {
			t.Fatalf("%s: windows not measured: %+v", state, res)
		}
		if (state == "sqlite") != (res.StateBytes > 0) {
			t.Fatalf("%s: state file size %d", state, res.StateBytes)
		}
	}
	if _, err := RunScaleCrawl(context.Background(), ScaleOptions{SiteURL: srv.URL, Pages: 10, State: "redis"}); err == nil {
		t.Fatal("unknown state: no error")
	}
}
