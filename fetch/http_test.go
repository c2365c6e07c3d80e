package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func compress(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip", "x-gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "deflate-raw":
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	case "br":
		w = brotli.NewWriter(&buf)
	default:
		t.Fatalf("encoding %s", enc)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// Every encoding is undone, and the limit counts the decompressed bytes: a bomb of
// each encoding (a few KiB that expand to 8 MiB) stops at the 1 MiB limit.
func TestBodyDecodedAndBoundedAfterDecompression(t *testing.T) {
	page := []byte("<html><body><p>" + strings.Repeat("héllo ", 1000) + "</p></body></html>")
	bomb := bytes.Repeat([]byte("A"), 8<<20)
	encs := []string{"gzip", "x-gzip", "deflate", "deflate-raw", "br"}
	bodies := map[string][]byte{}
	bombs := map[string][]byte{}
	for _, e := range encs {
		bodies[e] = compress(t, e, page)
		bombs[e] = compress(t, e, bomb)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		enc := parts[len(parts)-1]
		src := bodies
		if parts[0] == "bomb" {
			src = bombs
		}
		header := enc
		if enc == "deflate-raw" {
			header = "deflate"
		}
		w.Header().Set("Content-Encoding", header)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(src[enc])
	}))
	defer srv.Close()
	f := NewHTTP(HTTPOptions{UserAgent: "t"})
	for _, e := range encs {
		resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/page/" + e, MaxBytes: 1 << 20})
		if err != nil || !bytes.Equal(resp.Body, page) {
			t.Errorf("%s: err %v, body %d bytes, want the %d-byte page", e, err, len(resp.Body), len(page))
		}
		if resp != nil && resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: Content-Encoding %q left on a decoded body", e, resp.Header.Get("Content-Encoding"))
		}
		resp, err = f.Fetch(context.Background(), Request{URL: srv.URL + "/bomb/" + e, MaxBytes: 1 << 20})
		var tb *TooBigError
		if !errors.As(err, &tb) || tb.Limit != 1<<20 || tb.Length != -1 {
			t.Errorf("%s bomb: err %v, want a TooBigError at 1 MiB found while reading", e, err)
		}
		if resp != nil && len(resp.Body) > 0 {
			t.Errorf("%s bomb: %d body bytes returned", e, len(resp.Body))
		}
	}
}

// A .gz path or a gzip Content-Type is a gzip file (sitemap.xml.gz) when its bytes
// say so, and the limit counts its decompressed size too; a .gz path holding plain
// text is read as it is.
func TestGzipFilesAndTruncate(t *testing.T) {
	xml := []byte(`<urlset><url><loc>http://x/a</loc></url></urlset>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sitemap.xml.gz":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(gz(xml))
		case "/typed":
			w.Header().Set("Content-Type", "application/x-gzip")
			w.Write(gz(xml))
		case "/plain.gz":
			w.Write(xml)
		case "/bomb.xml.gz":
			w.Write(gz(bytes.Repeat([]byte("<url/>"), 4<<20)))
		case "/robots.txt":
			w.Write(bytes.Repeat([]byte("Disallow: /x\n"), 1000))
		}
	}))
	defer srv.Close()
	f := NewHTTP(HTTPOptions{UserAgent: "t"})
	for _, p := range []string{"/sitemap.xml.gz", "/typed", "/plain.gz"} {
		resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + p, MaxBytes: 1 << 20})
		if err != nil || !bytes.Equal(resp.Body, xml) {
			t.Errorf("%s: err %v, body %q", p, err, resp.Body)
		}
	}
	if _, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/bomb.xml.gz", MaxBytes: 1 << 20}); err == nil {
		t.Error("a 24 MiB gzip file under a 1 MiB limit was read")
	}
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/robots.txt", MaxBytes: 100, Truncate: true})
	if err != nil || len(resp.Body) != 100 {
		t.Errorf("truncate: err %v, %d bytes, want 100", err, len(resp.Body))
	}
}

// Request.Stream reads a body as it downloads, decompressed and bounded: no Body
// is buffered; a read past MaxBytes fails with a TooBigError that Fetch returns; an
// error status never reaches Stream. StreamBuffered gives a buffered body the same
// contract.
func TestStream(t *testing.T) {
	xml := bytes.Repeat([]byte("<url><loc>http://x/a</loc></url>"), 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sitemap.xml.gz":
			w.Write(gz(xml))
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz(bytes.Repeat([]byte("<url/>"), 4<<20)))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	f := NewHTTP(HTTPOptions{UserAgent: "t"})
	var got []byte
	stream := func(r io.Reader) error {
		b, err := io.ReadAll(r)
		got = b
		return err
	}
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/sitemap.xml.gz", MaxBytes: 1 << 20, Stream: stream})
	if err != nil || resp.Status != 200 || resp.Body != nil || !bytes.Equal(got, xml) {
		t.Errorf("stream: err %v, body %d bytes, streamed %d bytes, want %d", err, len(resp.Body), len(got), len(xml))
	}
	_, err = f.Fetch(context.Background(), Request{URL: srv.URL + "/bomb", MaxBytes: 1 << 20, Stream: stream})
	var tb *TooBigError
	if !errors.As(err, &tb) || tb.Limit != 1<<20 || len(got) > 1<<20 {
		t.Errorf("bomb: err %v, %d bytes streamed; want a TooBigError at 1 MiB", err, len(got))
	}
	got = nil
	resp, err = f.Fetch(context.Background(), Request{URL: srv.URL + "/missing", MaxBytes: 1 << 20, Stream: stream})
	if err != nil || resp.Status != 404 || got != nil {
		t.Errorf("404: err %v, status %d, streamed %q", err, resp.Status, got)
	}
	// A fetcher that cannot stream.
	resp, err = StreamBuffered(Request{MaxBytes: 10, Stream: stream}, &Response{Status: 200, Body: []byte("0123456789")}, nil)
	if err != nil || resp.Body != nil || string(got) != "0123456789" {
		t.Errorf("buffered: err %v, streamed %q", err, got)
	}
	if _, err := StreamBuffered(Request{MaxBytes: 5, Stream: stream}, &Response{Status: 200, Body: []byte("0123456789")}, nil); !errors.As(err, &tb) {
		t.Errorf("buffered over the limit: err %v, want a TooBigError", err)
	}
}

// The body comes as it was sent (the decoder picks the charset from the header the
// Response keeps); an error status gives its status and header, no body, no error;
// Accept's error stops the download; CheckRedirect sees every hop.
func TestHTTPResponse(t *testing.T) {
	latin1 := []byte("<p>caf\xe9</p>")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/latin1":
			w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
			w.Write(latin1)
		case "/gone":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("busy"))
		case "/pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(bytes.Repeat([]byte{0}, 1000))
		case "/r1":
			http.Redirect(w, r, "/r2", http.StatusMovedPermanently)
		case "/r2":
			http.Redirect(w, r, "/latin1", http.StatusFound)
		}
	}))
	defer srv.Close()
	f := NewHTTP(HTTPOptions{UserAgent: "agent/1"})
	ctx := context.Background()

	resp, err := f.Fetch(ctx, Request{URL: srv.URL + "/latin1"})
	if err != nil || !bytes.Equal(resp.Body, latin1) || resp.Header.Get("Content-Type") != "text/html; charset=iso-8859-1" {
		t.Errorf("latin1: err %v body %q content-type %q", err, resp.Body, resp.Header.Get("Content-Type"))
	}
	resp, err = f.Fetch(ctx, Request{URL: srv.URL + "/gone"})
	if err != nil || resp.Status != 503 || len(resp.Body) != 0 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("503: err %v resp %+v", err, resp)
	}
	stop := errors.New("not HTML")
	resp, err = f.Fetch(ctx, Request{URL: srv.URL + "/pdf", Accept: func(_ int, h http.Header) error {
		if h.Get("Content-Type") != "text/html" {
			return stop
		}
		return nil
	}})
	if !errors.Is(err, stop) || resp == nil || resp.Status != 200 || len(resp.Body) != 0 {
		t.Errorf("pdf: err %v resp %+v, want the Accept error, the status, no body", err, resp)
	}
	var hops []string
	resp, err = f.Fetch(ctx, Request{URL: srv.URL + "/r1", CheckRedirect: func(r *http.Request, via []*http.Request) error {
		hops = append(hops, fmt.Sprintf("%s<-%d", r.URL.Path, len(via)))
		return nil
	}})
	if err != nil || resp.Redirects != 2 || !strings.HasSuffix(resp.URL, "/latin1") || strings.Join(hops, " ") != "/r2<-1 /latin1<-2" {
		t.Errorf("redirects: err %v, redirects %d, url %s, hops %v", err, resp.Redirects, resp.URL, hops)
	}
	refuse := errors.New("no")
	_, err = f.Fetch(ctx, Request{URL: srv.URL + "/r1", CheckRedirect: func(*http.Request, []*http.Request) error { return refuse }})
	if !errors.Is(err, refuse) {
		t.Errorf("refused redirect: err %v", err)
	}
}

// Each host gets at most its parallelism in flight, in this process; a
// Crawl-delay host one at a time.
func TestPolitenessSlots(t *testing.T) {
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		inFlight.Add(-1)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		par, want  int
		crawlDelay bool
	}{{2, 2, false}, {3, 1, true}} {
		peak.Store(0)
		p := NewPoliteness(Limit{Parallelism: tc.par}, nil)
		if tc.crawlDelay {
			p.CrawlDelay(strings.TrimPrefix(srv.URL, "http://"), time.Millisecond)
		}
		f := NewHTTP(HTTPOptions{UserAgent: "t", Politeness: p})
		var wg sync.WaitGroup
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got := peak.Load(); got != int64(tc.want) {
			t.Errorf("parallelism %d crawl-delay %v: peak %d in flight, want %d", tc.par, tc.crawlDelay, got, tc.want)
		}
	}
}

// A request made while a fetch holds its host's only slot (robots.txt of a
// redirect target, read from the redirect check) shares the slot instead of
// waiting for itself; the delay after a request keeps the slot taken.
func TestPolitenessNestedAndDelay(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/from":
			http.Redirect(w, r, "/to", http.StatusFound)
		default:
			w.Write([]byte(r.URL.Path))
		}
	}))
	defer srv.Close()
	p := NewPoliteness(Limit{Parallelism: 1, Delay: 50 * time.Millisecond}, nil)
	f := NewHTTP(HTTPOptions{UserAgent: "t", Politeness: p})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var nested string
	resp, err := f.Fetch(ctx, Request{URL: srv.URL + "/from", CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		rr, err := f.Fetch(r.Context(), Request{URL: srv.URL + "/robots.txt"})
		if err != nil {
			return err
		}
		nested = string(rr.Body)
		return nil
	}})
	if err != nil || string(resp.Body) != "/to" || nested != "/robots.txt" {
		t.Fatalf("nested fetch: err %v, body %q, nested %q", err, resp.Body, nested)
	}
	start := time.Now()
	if _, err := f.Fetch(ctx, Request{URL: srv.URL + "/next"}); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 40*time.Millisecond {
		t.Errorf("the next request started %s after the last one ended, want ≥ the 50ms delay", el)
	}
}

func TestRegistry(t *testing.T) {
	if got := strings.Join(Names(), ","); got != "chromium,http" {
		t.Errorf("Names() = %s", got)
	}
	if f, err := New(NameHTTP, Options{UserAgent: "t"}); err != nil || f == nil {
		t.Errorf("New(http): %v", err)
	}
	if _, err := New("curl", Options{}); err == nil || !strings.Contains(err.Error(), `"curl"`) || !strings.Contains(err.Error(), "http") {
		t.Errorf("New(curl): %v", err)
	}
}
