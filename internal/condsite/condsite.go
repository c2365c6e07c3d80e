// Package condsite wraps a test site's http.Handler with HTTP validators and
// conditional requests, and lets a test change, add and remove pages between
// crawls: every 200 response gets an ETag (hash of the body) and a Last-Modified,
// a request whose If-None-Match (or, without it, If-Modified-Since) matches gets
// 304 Not Modified, and the responses are counted.
package condsite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Site is a conditional-request wrapper around a handler. Safe for concurrent use.
type Site struct {
	h http.Handler

	// CacheValidators makes the site answer a conditional request from the ETag and
	// Last-Modified it gave the path's last 200, without running the wrapped
	// handler — as a CDN or a static file server does — so a re-crawl benchmark
	// measures the crawler, not the site regenerating every page to hash it. Only
	// for a wrapped handler whose pages do not change on their own (Set, Remove and
	// Rewrite forget the path's validators). Set it before serving.
	CacheValidators bool

	mu       sync.Mutex
	pages    map[string][]byte              // path → body served instead of h's
	removed  map[string]bool                // path → 404
	rewrites map[string]func([]byte) []byte // path → edit of h's body
	modTime  map[string]time.Time           // ETag → first time served (Last-Modified)
	counts   map[int]int                    // status → responses
	cond     int                            // requests carrying a validator
	start    time.Time
	cached   map[string]validators // path → validators of its last 200 (CacheValidators)
}

type validators struct {
	etag string
	mod  time.Time
}

// New wraps h.
func New(h http.Handler) *Site {
	return &Site{h: h, pages: map[string][]byte{}, removed: map[string]bool{}, rewrites: map[string]func([]byte) []byte{},
		modTime: map[string]time.Time{}, counts: map[int]int{}, start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Set serves body (text/html) at path, replacing whatever was there.
func (s *Site) Set(path string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cached, path)
	s.pages[path] = body
	delete(s.removed, path)
}

// Remove makes path answer 404.
func (s *Site) Remove(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cached, path)
	s.removed[path] = true
	delete(s.pages, path)
}

// Rewrite edits the body the wrapped handler serves at path (after its own
// substitutions), e.g. to add a link or change a sitemap lastmod.
func (s *Site) Rewrite(path string, f func([]byte) []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cached, path)
	s.rewrites[path] = f
}

// Count is the number of responses with status code so far.
func (s *Site) Count(status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[status]
}

// Conditional is the number of requests that carried If-None-Match or If-Modified-Since.
func (s *Site) Conditional() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cond
}

// ResetCounts zeroes the counters.
func (s *Site) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
	s.cond = 0
}

// ServeHTTP implements http.Handler.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body, set := s.pages[r.URL.Path]
	gone := s.removed[r.URL.Path]
	rw := s.rewrites[r.URL.Path]
	v, cached := s.cached[r.URL.Path]
	s.mu.Unlock()
	if cached && !set && !gone && (r.Method == http.MethodGet || r.Method == http.MethodHead) && matches(r, v.etag, v.mod) {
		s.mu.Lock()
		s.cond++
		s.mu.Unlock()
		hdr := http.Header{}
		hdr.Set("ETag", v.etag)
		hdr.Set("Last-Modified", v.mod.Format(http.TimeFormat))
		s.write(w, http.StatusNotModified, hdr, nil)
		return
	}
	status := http.StatusOK
	hdr := http.Header{}
	switch {
	case gone:
		status = http.StatusNotFound
		body = []byte("not found\n")
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
	case set:
		hdr.Set("Content-Type", "text/html; charset=utf-8")
	default:
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, r)
		status, body, hdr = rec.Code, rec.Body.Bytes(), rec.Header()
		if rw != nil && status == http.StatusOK {
			body = rw(body)
		}
	}
	if status != http.StatusOK || r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.write(w, status, hdr, body)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	s.mu.Lock()
	mod, ok := s.modTime[etag]
	if !ok {
		mod = s.start.Add(time.Duration(len(s.modTime)) * time.Hour)
		s.modTime[etag] = mod
	}
	if s.CacheValidators && !set {
		if s.cached == nil {
			s.cached = map[string]validators{}
		}
		s.cached[r.URL.Path] = validators{etag, mod}
	}
	s.mu.Unlock()
	hdr.Set("ETag", etag)
	hdr.Set("Last-Modified", mod.Format(http.TimeFormat))
	hdr.Del("Content-Length")
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		s.mu.Lock()
		s.cond++
		s.mu.Unlock()
	}
	if matches(r, etag, mod) {
		hdr.Del("Content-Type")
		s.write(w, http.StatusNotModified, hdr, nil)
		return
	}
	s.write(w, status, hdr, body)
}

// matches reports whether the validators of conditional request r match etag and
// mod (If-None-Match first; If-Modified-Since without it).
func matches(r *http.Request, etag string, mod time.Time) bool {
	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	if inm == "" && ims == "" {
		return false
	}
	if inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if t = strings.TrimSpace(t); t == etag || t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !mod.After(t)
}

func (s *Site) write(w http.ResponseWriter, status int, hdr http.Header, body []byte) {
	s.mu.Lock()
	s.counts[status]++
	s.mu.Unlock()
	for k, v := range hdr {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = w.Write(bytes.Clone(body))
	}
}
