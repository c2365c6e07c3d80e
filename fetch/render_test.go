package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// needChromium skips the test when no Chromium is installed.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := FindChromium(""); err != nil {
		t.Skip("chromium not installed: render tests skipped (apt-get install -y chromium)")
	}
}

// spaServers serves a client-rendered page on 127.0.0.1 that references a tracker
// on "localhost" (another host name); hits counts the tracker's requests.
func spaServers(t *testing.T) (page *httptest.Server, hits *atomic.Int64) {
	t.Helper()
	hits = &atomic.Int64{}
	tracker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/javascript")
		fmt.Fprint(w, `document.title = "tracked";`)
	}))
	t.Cleanup(tracker.Close)
	tu, _ := url.Parse(tracker.URL)
	third := "http://localhost:" + tu.Port()
	page = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/data.json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"text":"Loaded from the same site."}`)
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>SPA</title>
<script src="%s/tracker.js"></script></head>
<body><div id="root"></div><noscript>Please enable JavaScript.</noscript>
<script>
var r = document.getElementById("root");
r.innerHTML = "<article><h1>Built by script</h1><p>First paragraph.</p></article>";
setTimeout(function () {
  fetch("/data.json").then(function (res) { return res.json(); }).then(function (d) {
    var p = document.createElement("p"); p.className = "late"; p.textContent = d.text;
    r.querySelector("article").appendChild(p);
  });
}, 100);
</script></body></html>`, third)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(page.Close)
	return page, hits
}

func TestRendererRendersAndBlocksOtherHosts(t *testing.T) {
	needChromium(t)
	page, hits := spaServers(t)
	r := NewRenderer(RenderOptions{Parallelism: 1})
	defer r.Close()
	resp, err := r.Fetch(context.Background(), Request{URL: page.URL + "/"})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	body := string(resp.Body)
	for _, want := range []string{"<h1>Built by script</h1>", "First paragraph.", `<p class="late">Loaded from the same site.</p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("rendered body lacks %q:\n%s", want, body)
		}
	}
	if !resp.Rendered || resp.Status != http.StatusOK || resp.URL != page.URL+"/" {
		t.Errorf("response = rendered %v, status %d, url %q; want true, 200, %q", resp.Rendered, resp.Status, resp.URL, page.URL+"/")
	}
	if n := hits.Load(); n != 0 || resp.Blocked != 1 {
		t.Errorf("third-party host: %d requests reached it, %d blocked; want 0 and 1", n, resp.Blocked)
	}
	if strings.Contains(body, "<title>tracked</title>") {
		t.Error("the blocked tracker script ran")
	}
	if r.Rendered() != 1 {
		t.Errorf("Rendered() = %d, want 1", r.Rendered())
	}
}

func TestRendererAllowHostsAndWaitFor(t *testing.T) {
	needChromium(t)
	page, hits := spaServers(t)
	r := NewRenderer(RenderOptions{Parallelism: 2})
	defer r.Close()
	resp, err := r.Fetch(context.Background(), Request{URL: page.URL + "/", AllowHosts: []string{"localhost"}, WaitFor: "p.late"})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if !strings.Contains(string(resp.Body), "Loaded from the same site.") {
		t.Errorf("render_wait_for p.late: body lacks the late paragraph:\n%s", resp.Body)
	}
	if hits.Load() != 1 || resp.Blocked != 0 {
		t.Errorf("allowed host: %d requests, %d blocked; want 1, 0", hits.Load(), resp.Blocked)
	}
}

// Request.Allow (the crawler's robots.txt check) blocks requests to the page's own
// host too: the late paragraph's JSON is not loaded.
func TestRendererAllowHook(t *testing.T) {
	needChromium(t)
	page, _ := spaServers(t)
	r := NewRenderer(RenderOptions{Parallelism: 1})
	defer r.Close()
	var asked []string
	var mu sync.Mutex
	allow := func(u *url.URL) bool {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, u.Path)
		return u.Path != "/data.json"
	}
	resp, err := r.Fetch(context.Background(), Request{URL: page.URL + "/", Allow: allow})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	body := string(resp.Body)
	if !strings.Contains(body, "First paragraph.") || strings.Contains(body, "Loaded from the same site.") {
		t.Errorf("body: has the script's paragraph %v (want true), has the disallowed JSON's %v (want false)",
			strings.Contains(body, "First paragraph."), strings.Contains(body, "Loaded from the same site."))
	}
	if resp.Blocked != 2 {
		t.Errorf("Blocked = %d, want 2 (the tracker's host, the disallowed JSON)", resp.Blocked)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(asked, "/") || !slices.Contains(asked, "/data.json") || slices.Contains(asked, "/tracker.js") {
		t.Errorf("Allow asked about %v; want the page and /data.json, not the other host's tracker", asked)
	}
}

func TestRendererChromiumMissing(t *testing.T) {
	r := NewRenderer(RenderOptions{Binary: "/nonexistent/chromium"})
	defer r.Close()
	_, err := r.Fetch(context.Background(), Request{URL: "http://127.0.0.1:1/"})
	if !errors.Is(err, ErrChromiumNotFound) {
		t.Fatalf("Fetch = %v, want ErrChromiumNotFound", err)
	}
	const want = `render: Chromium not found (install Debian's "chromium" package: apt-get install -y chromium): /nonexistent/chromium`
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want prefix %q", err, want)
	}
	t.Setenv(ChromiumEnv, "")
	t.Setenv("PATH", t.TempDir())
	if _, err := FindChromium(""); err == nil || err.Error() != ErrChromiumNotFound.Error() {
		t.Errorf("FindChromium with an empty PATH = %v, want %q", err, ErrChromiumNotFound)
	}
}

// A page whose network never goes quiet ends at the render timeout with an error
// wrapping context.DeadlineExceeded; its tab is closed and the next page renders.
func TestRendererTimeout(t *testing.T) {
	needChromium(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/busy":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><body><p>busy</p><script>setInterval(function () { fetch("/ping?" + Math.random()); }, 100);</script></body></html>`)
		case "/calm":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><body><p>calm</p></body></html>`)
		default:
			fmt.Fprint(w, "pong")
		}
	}))
	defer srv.Close()
	// 3 s: long enough for the calm page on a loaded machine, which this test
	// renders in the same tab after the busy one timed out.
	r := NewRenderer(RenderOptions{Parallelism: 1, Timeout: 3 * time.Second})
	defer r.Close()
	_, err := r.Fetch(context.Background(), Request{URL: srv.URL + "/busy"})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timeout after 3s") {
		t.Fatalf("Fetch(busy) = %v, want a timeout after 3s", err)
	}
	resp, err := r.Fetch(context.Background(), Request{URL: srv.URL + "/calm"})
	if err != nil || !strings.Contains(string(resp.Body), "<p>calm</p>") {
		t.Fatalf("Fetch(calm) after a timeout = %v, %v", resp, err)
	}
	if r.Rendered() != 1 {
		t.Errorf("Rendered() = %d, want 1 (the timed-out page is not counted)", r.Rendered())
	}
}
