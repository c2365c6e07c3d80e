package condsite

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestConditional(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<p>page "+r.URL.Path+"</p>")
	})
	s := New(inner)
	srv := httptest.NewServer(s)
	defer srv.Close()
	get := func(path, inm, ims string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		if ims != "" {
			req.Header.Set("If-Modified-Since", ims)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	r1, body := get("/a", "", "")
	etag, lm := r1.Header.Get("ETag"), r1.Header.Get("Last-Modified")
	if r1.StatusCode != 200 || body != "<p>page /a</p>" || etag == "" || lm == "" {
		t.Fatalf("first GET: %d %q etag %q lm %q", r1.StatusCode, body, etag, lm)
	}
	if r, _ := get("/a", etag, ""); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", r.StatusCode)
	}
	if r, _ := get("/a", "", lm); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d, want 304", r.StatusCode)
	}
	s.Rewrite("/a", func(b []byte) []byte { return append(b, "<p>more</p>"...) })
	if r, b := get("/a", etag, ""); r.StatusCode != 200 || b != "<p>page /a</p><p>more</p>" || r.Header.Get("ETag") == etag {
		t.Errorf("rewritten page: %d %q etag %q", r.StatusCode, b, r.Header.Get("ETag"))
	}
	s.Set("/new", []byte("<p>new</p>"))
	if r, b := get("/new", "", ""); r.StatusCode != 200 || b != "<p>new</p>" {
		t.Errorf("set page: %d %q", r.StatusCode, b)
	}
	s.Remove("/a")
	if r, _ := get("/a", etag, ""); r.StatusCode != 404 {
		t.Errorf("removed page: %d", r.StatusCode)
	}
	if s.Count(304) != 2 || s.Count(200) != 3 || s.Count(404) != 1 || s.Conditional() != 3 {
		t.Errorf("counts 304=%d 200=%d 404=%d conditional=%d", s.Count(304), s.Count(200), s.Count(404), s.Conditional())
	}
}

func TestCacheValidators(t *testing.T) {
	calls := 0
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		io.WriteString(w, "<p>page "+r.URL.Path+"</p>")
	})
	s := New(inner)
	s.CacheValidators = true
	srv := httptest.NewServer(s)
	defer srv.Close()
	get := func(path, inm string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	etag := get("/a", "").Header.Get("ETag")
	for range 3 {
		if r := get("/a", etag); r.StatusCode != http.StatusNotModified || r.Header.Get("ETag") != etag || r.Header.Get("Last-Modified") == "" {
			t.Fatalf("cached conditional GET: %d etag %q", r.StatusCode, r.Header.Get("ETag"))
		}
	}
	if calls != 1 {
		t.Errorf("handler ran %d times, want 1 (304s from the cached validators)", calls)
	}
	if r := get("/a", `"other"`); r.StatusCode != 200 || calls != 2 {
		t.Errorf("stale validator: %d, handler calls %d; want 200, 2", r.StatusCode, calls)
	}
	s.Rewrite("/a", func(b []byte) []byte { return append(b, "<p>more</p>"...) })
	if r := get("/a", etag); r.StatusCode != 200 || r.Header.Get("ETag") == etag {
		t.Errorf("rewritten page: %d etag %q; want 200 with a new ETag", r.StatusCode, r.Header.Get("ETag"))
	}
	if s.Count(304) != 3 || s.Count(200) != 3 || s.Conditional() != 5 {
		t.Errorf("counts 304=%d 200=%d conditional=%d; want 3, 3, 5", s.Count(304), s.Count(200), s.Conditional())
	}
}
