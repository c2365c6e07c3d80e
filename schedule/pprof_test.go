package schedule_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/schedule"
)

// schedule.pprof off (the default): /debug/pprof/ is not served (404) while
// /metrics is; on: the index lists the profiles, and the heap and goroutine
// profiles parse as pprof profiles with samples.
func TestPprofEndpoint(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := config.Default()
		cfg.Sites = []config.Site{{Name: "a", Schedule: "@daily"}}
		cfg.Schedule.Pprof = on
		s, err := schedule.New(schedule.Options{Config: cfg, Run: func(context.Context, schedule.Job) (schedule.Result, error) {
			return schedule.Result{}, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s.Handler())
		if code, _ := fetch(t, srv.URL+"/metrics"); code != http.StatusOK {
			t.Errorf("pprof %v: /metrics answered %d", on, code)
		}
		for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/goroutine", "/debug/pprof/cmdline"} {
			code, body := fetch(t, srv.URL+path)
			if !on {
				if code != http.StatusNotFound {
					t.Errorf("schedule.pprof off: %s answered %d, want 404", path, code)
				}
				continue
			}
			if code != http.StatusOK {
				t.Errorf("schedule.pprof on: %s answered %d, want 200", path, code)
				continue
			}
			switch path {
			case "/debug/pprof/":
				for _, name := range []string{"heap", "goroutine", "profile", "allocs"} {
					if !strings.Contains(string(body), name) {
						t.Errorf("the index does not list %s", name)
					}
				}
			case "/debug/pprof/heap", "/debug/pprof/goroutine":
				if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
					t.Errorf("%s: not gzip (%d bytes)", path, len(body))
					continue
				}
				p, err := profile.Parse(bytes.NewReader(body))
				if err != nil {
					t.Errorf("%s: not a pprof profile: %v", path, err)
					continue
				}
				if path == "/debug/pprof/goroutine" && len(p.Sample) == 0 {
					t.Errorf("%s: no samples", path)
				}
			}
		}
		srv.Close()
	}
}

func fetch(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}
