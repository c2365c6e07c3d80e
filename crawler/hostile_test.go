package crawler

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/healthcrawl/healthcrawl/config"
)

// bomb is n zero bytes compressed with enc ("gzip", "deflate" (zlib), "br").
func bomb(t testing.TB, enc string, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip":
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
	case "deflate":
		w, _ = zlib.NewWriterLevel(&buf, zlib.BestCompression)
	case "br":
		w = brotli.NewWriterLevel(&buf, 1)
	}
	zero := make([]byte, 1<<20)
	for i := int64(0); i < n; i += int64(len(zero)) {
		w.Write(zero)
	}
	w.Close()
	return buf.Bytes()
}

// hostileSite is a public-looking site, public.test, served on 127.0.0.2, that
// tries to lead the crawler into the network (other ports, a name that resolves
// to 127.0.0.1, redirects, canonicals, sitemap entries) and to exhaust it
// (decompression bombs of every encoding, a 50,000-URL sitemap with a broken
// entry, session-id loops, a page of 250,000 links). internal counts the requests
// that reached the "internal services" on 127.0.0.1.
type hostileSite struct {
	public, other  *httptest.Server // public.test:P on 127.0.0.2, and public.test:Q (another port)
	internal       *httptest.Server // 127.0.0.1:P: internal.test resolves here
	internalHits   atomic.Int64
	port, portQ    string
	gzipBomb, zlib []byte
	brBomb         []byte
}

func listenOn(t testing.TB, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func newHostileSite(t testing.TB) *hostileSite {
	h := &hostileSite{
		gzipBomb: bomb(t, "gzip", 256<<20),
		zlib:     bomb(t, "deflate", 256<<20),
		brBomb:   bomb(t, "br", 256<<20),
	}
	h.public = listenOn(t, "127.0.0.2:0", http.HandlerFunc(h.serve))
	_, h.port, _ = net.SplitHostPort(h.public.Listener.Addr().String())
	secret := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.internalHits.Add(1)
		fmt.Fprint(w, GenArticleHTML("secret", "Internal secret", "", "", nil))
	})
	h.internal = listenOn(t, "127.0.0.1:"+h.port, secret)
	h.other = listenOn(t, "127.0.0.2:0", secret)
	_, h.portQ, _ = net.SplitHostPort(h.other.Listener.Addr().String())
	return h
}

func (h *hostileSite) base() string { return "http://public.test:" + h.port }

// lookup resolves the test's names: public.test to the public site's address,
// internal.test (and everything else) to 127.0.0.1.
func (h *hostileSite) lookup(_ context.Context, host string) ([]netip.Addr, error) {
	if host == "public.test" {
		return []netip.Addr{netip.MustParseAddr("127.0.0.2")}, nil
	}
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

func (h *hostileSite) serve(w http.ResponseWriter, r *http.Request) {
	other := "http://public.test:" + h.portQ
	inside := "http://internal.test:" + h.port
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch p := r.URL.Path; {
	case p == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "User-agent: *\nAllow: /\nSitemap: %s/sitemap.xml\nSitemap: %s/sitemap-other.xml\nSitemap: %s/sitemap-bomb.xml.gz\n", h.base(), other, h.base())
	case p == "/":
		links := []string{"/a/1", "/a/2", "/bomb/gzip", "/bomb/x-gzip", "/bomb/deflate", "/bomb/br", "/bomb/typed",
			other + "/other-port", inside + "/secret", "/redir-inside", "/redir-port", "/canon", "/s;jsessionid=1", "/s?PHPSESSID=1", "/million", "/nul", "/deep"}
		fmt.Fprint(w, GenArticleHTML("home", "Home", "", "", links))
	case strings.HasPrefix(p, "/a/"):
		fmt.Fprint(w, GenArticleHTML(p, "Article "+p, "", "", nil))
	case p == "/s":
		// A session-id loop: every visit links to itself with a fresh id.
		n := rand64()
		fmt.Fprint(w, GenArticleHTML("session", "Session page", "", "", []string{fmt.Sprintf("/s;jsessionid=%d", n), fmt.Sprintf("/s?PHPSESSID=%d", n), fmt.Sprintf("/s?sid=%d", n)}))
	case p == "/nul": // NUL bytes in the text: read past them, as a browser does
		fmt.Fprint(w, strings.Replace(GenArticleHTML("nul", "Page with NUL bytes", "", "", nil), "<p>", "<p>\x00", 3))
	case p == "/deep": // the article under 5,000 nested elements
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Deep page</title></head><body>"+strings.Repeat("<div>", 5000)+
			"<article><h1>Deep page</h1><p>"+strings.Repeat("Sleep hygiene matters for recovery after an illness. ", 30)+"</p></article>"+
			strings.Repeat("</div>", 5000)+"</body></html>")
	case p == "/redir-inside":
		http.Redirect(w, r, inside+"/secret2", http.StatusFound)
	case p == "/redir-port":
		http.Redirect(w, r, other+"/secret3", http.StatusFound)
	case p == "/canon":
		fmt.Fprint(w, GenArticleHTML("canon", "Canonical elsewhere", `<link rel="canonical" href="`+other+`/canonical">`, "", nil))
	case p == "/million" && os.Getenv("HOSTILE_NO_MILLION") != "":
		fmt.Fprint(w, "<html></html>")
	case p == "/million":
		var b strings.Builder
		b.WriteString("<html><body><h1>Links</h1>")
		for i := range 250_000 {
			fmt.Fprintf(&b, `<a href="/l/%d">%d</a>`, i, i)
		}
		b.WriteString("</body></html>")
		io.WriteString(w, b.String())
	case p == "/sitemap.xml":
		w.Header().Set("Content-Type", "application/xml")
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range 50_000 {
			switch i {
			case 100:
				b.WriteString("<url><loc>" + h.base() + "/bad\xff\xfe</loc></url>") // one broken entry
			case 200:
				b.WriteString("<url><loc>" + other + "/from-sitemap</loc></url>")
			default:
				fmt.Fprintf(&b, "<url><loc>%s/p/%d</loc></url>", h.base(), i)
			}
		}
		b.WriteString("</urlset>")
		io.WriteString(w, b.String())
	case p == "/bomb/gzip", p == "/bomb/x-gzip":
		w.Header().Set("Content-Encoding", strings.TrimPrefix(p, "/bomb/"))
		w.Write(h.gzipBomb)
	case p == "/sitemap-bomb.xml.gz":
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(h.gzipBomb)
	case p == "/bomb/typed":
		w.Header().Set("Content-Type", "application/x-gzip")
		w.Write(h.gzipBomb)
	case p == "/bomb/deflate":
		w.Header().Set("Content-Encoding", "deflate")
		w.Write(h.zlib)
	case p == "/bomb/br":
		w.Header().Set("Content-Encoding", "br")
		w.Write(h.brBomb)
	default:
		fmt.Fprint(w, GenArticleHTML(p, "Page "+p, "", "", nil))
	}
}

var randN atomic.Int64

func rand64() int64 { return randN.Add(1) }

// The hostile site ends with the documented outcomes: nothing reached on 127.0.0.1
// or on another port, every refusal accounted with its reason, every bomb cut at
// max_body_bytes (counted after decompression), the 50,000-URL sitemap read whole
// but its broken entry, session-id variants folded into one page, and the page of
// 250,000 links reported in a handful of errors-file lines.
func TestHostileSite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 768 MiB of decompression bombs")
	}
	h := newHostileSite(t)
	sum, sink, errs := h.crawl(t)
	h.check(t, sum, sink, errs)
}

// BenchmarkHostileSite measures the peak RSS of the crawl process on the hostile
// site: the crawl runs in a child process (this test binary, TestHostileChild) and
// the site in this one, so the figure is the crawler's alone, as a user's `crawl
// run` would see it. The bombs, the 50,000-URL sitemap and the page of 250,000
// links must not raise it past 200 MB.
//
//	go test -run '^$' -bench BenchmarkHostileSite -benchtime 1x ./crawler/
func BenchmarkHostileSite(b *testing.B) {
	h := newHostileSite(b)
	for range b.N {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestHostileChild$", "-test.v")
		cmd.Env = append(os.Environ(), "HOSTILE_CHILD="+h.port+","+h.portQ)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("crawl process: %v\n%s", err, out)
		}
		ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			b.Skip("no rusage on this system")
		}
		if f := os.Getenv("HOSTILE_CHILD_OUT"); f != "" {
			os.WriteFile(f, out, 0o644) // the child's output, for a look at its GC trace
		}
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak_MiB") // Linux: KiB
		var requests float64
		if i := bytes.Index(out, []byte("requests=")); i >= 0 {
			fmt.Sscan(string(out[i+len("requests="):]), &requests)
		}
		b.ReportMetric(requests, "requests")
		if n := h.internalHits.Load(); n != 0 {
			b.Errorf("%d requests reached the internal services", n)
		}
	}
}

// TestHostileChild is the crawl process of BenchmarkHostileSite (HOSTILE_CHILD =
// "P,Q": the ports of the site it serves); skipped otherwise.
func TestHostileChild(t *testing.T) {
	ports, ok := os.LookupEnv("HOSTILE_CHILD")
	if !ok {
		t.Skip("the child process of BenchmarkHostileSite")
	}
	h := &hostileSite{}
	h.port, h.portQ, _ = strings.Cut(ports, ",")
	sum, sink, errs := h.crawl(t)
	h.check(t, sum, sink, errs)
	fmt.Printf("requests=%d\n", sum.Requests)
}

func (h *hostileSite) crawl(t testing.TB) (Summary, *recordingSink, *bytes.Buffer) {
	cfg := config.Default()
	cfg.Crawl.Delay = 0
	cfg.Crawl.Retries = 0
	if v := os.Getenv("HOSTILE_SITEMAP_MAX"); v != "" {
		fmt.Sscan(v, &cfg.Crawl.MaxSitemapBytes)
	}
	cfg.Sites = []config.Site{{
		Name: "hostile", StartURLs: []string{h.base() + "/"}, AllowedDomains: []string{"*.test:" + h.port},
		MaxPages: 300, MaxDepth: 3,
	}}
	var errs bytes.Buffer
	sink := &recordingSink{}
	sum, err := RunJob(context.Background(), JobOptions{Config: cfg, Sink: sink, ErrorsOut: &lockedWriter{w: &errs}, Lookup: h.lookup})
	if err != nil {
		t.Logf("run: %v", err)
	}
	return sum, sink, &errs
}

func (h *hostileSite) check(t testing.TB, sum Summary, sink *recordingSink, errs *bytes.Buffer) {
	if n := h.internalHits.Load(); n != 0 {
		t.Errorf("%d requests reached the internal services (127.0.0.1 or another port)", n)
	}
	for _, rec := range sink.all() {
		if strings.Contains(rec.URL, ":"+h.portQ) || strings.Contains(rec.URL, "internal.test") || strings.Contains(rec.Text, "Internal secret") {
			t.Errorf("record from the inside: %s", rec.URL)
		}
	}
	reasons := sum.Reasons
	want := []struct{ cat, reason string }{
		{CatExcluded, "address not allowed: loopback"},  // internal.test → 127.0.0.1, link and redirect
		{CatExcluded, "port not allowed"},               // public.test:Q links and sitemap entries
		{CatExcluded, "redirect to a port not allowed"}, // /redir-port
		{CatOverLimit, "body_size"},                     // the bombs
		{CatFailed, "sitemap entry: invalid XML"},       // the broken entry alone
		{CatOverLimit, "max_pages"},                     // the rest of the 50,000
	}
	for _, w := range want {
		if reasons[w.cat][w.reason] == 0 {
			t.Errorf("no URL filed %s %q; reasons: %v", w.cat, w.reason, reasons)
		}
	}
	if got := reasons[CatOverLimit]["body_size"]; got != 5 {
		t.Errorf("%d bombs filed over_limit body_size, want 5 (gzip, x-gzip, deflate, br, a .xml.gz sitemap); reasons %v", got, reasons)
	}
	if got := reasons[CatNotArticle]["not HTML: application/x-gzip"]; got != 1 {
		t.Errorf("the gzip-typed page: %d filed not HTML, want 1 (not downloaded)", got)
	}
	if got := reasons[CatExcluded]["address not allowed: loopback"]; got != 2 {
		t.Errorf("%d URLs refused as loopback, want 2 (the link and the redirect to internal.test)", got)
	}
	if got := reasons[CatOverLimit]["max_links_per_page"]; got != 240_000 {
		t.Errorf("%d links of the page of 250,000 over max_links_per_page, want 240,000 (10,000 read)", got)
	}
	if got := reasons[CatOverLimit]["max_pages"]; got < 49_000 {
		t.Errorf("%d sitemap URLs over max_pages, want the 50,000 read (less the pages fetched)", got)
	}
	// A page with NUL bytes and one nested 5,000 deep are read.
	for _, path := range []string{"/nul", "/deep"} {
		found := false
		for _, rec := range sink.all() {
			if strings.HasSuffix(rec.URL, path) && rec.WordCount > 100 && !strings.Contains(rec.Text, "\x00") {
				found = true
			}
		}
		if !found {
			t.Errorf("no record of %s with its text", path)
		}
	}
	// The session-id loop is one page.
	session := 0
	for _, rec := range sink.all() {
		if strings.Contains(rec.URL, "/s") && strings.Contains(rec.Title, "Session") {
			session++
		}
	}
	if session > 1 {
		t.Errorf("the session page was written %d times", session)
	}
	if lines := bytes.Count(errs.Bytes(), []byte("\n")); lines > 200 {
		t.Errorf("the errors file has %d lines; the mass over_limit links should be grouped", lines)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
