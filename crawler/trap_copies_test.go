package crawler

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/healthcrawl/healthcrawl/config"
)

func TestCanonicalizeSessionParams(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://h/a;jsessionid=1F2E3D", "https://h/a"},
		{"https://h/a;JSESSIONID=1F2E3D?b=2", "https://h/a?b=2"},
		{"https://h/a;jsessionid=1F/b;v=2;sid=3/c", "https://h/a/b;v=2/c"},
		{"https://h/shop?PHPSESSID=abc&item=4", "https://h/shop?item=4"},
		{"https://h/x?sid=9&osCsid=f00&zenid=1&cfid=2&cftoken=3&sessionid=4&session_id=5&sessid=6", "https://h/x"},
		{"https://h/x?ASPSESSIONIDQATSTBRS=KLM&id=1", "https://h/x?id=1"},
		{"https://h/x?sidebar=1&asid=2", "https://h/x?asid=2&sidebar=1"}, // only whole names (and * prefixes)
		{"https://h/a;v=1", "https://h/a;v=1"},                           // other path parameters stay
		{"https://h/a%3Bjsessionid=1", "https://h/a%3Bjsessionid=1"},     // an escaped ; is no parameter
		{"https://h/;jsessionid=1", "https://h/"},
	}
	for _, tt := range tests {
		got, err := Canonicalize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Canonicalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// crawl.strip_params replaces the list, strip_params_extra adds to it; entries are
// case-insensitive and may end in *.
func TestCanonicalizerFromConfig(t *testing.T) {
	cr := config.Default().Crawl
	cr.StripParamsExtra = []string{"Visit", "tok_*"}
	c := canonicalizerFor(cr)
	u, _ := url.Parse("https://h/a;jsessionid=1?visit=3&TOK_A=1&tok=2&page=2")
	if got, _ := c.canon(u); got != "https://h/a?page=2&tok=2" {
		t.Errorf("defaults + extra: %s", got)
	}
	cr.StripParams = []string{"page"}
	cr.StripParamsExtra = nil
	if got, _ := canonicalizerFor(cr).canon(u); got != "https://h/a;jsessionid=1?TOK_A=1&tok=2&visit=3" {
		t.Errorf("replaced list: %s", got)
	}
}

// trapPage is an HTML page with enough text to be compared, and links.
func trapPage(title string, links ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<html><head><title>%s</title><script>var t = %q;</script></head><body><h1>%s</h1><p>%s</p>", title, links, title,
		strings.Repeat("Enough words about "+title+" to be worth comparing. ", 8))
	for _, l := range links {
		fmt.Fprintf(&b, `<a href="%s">link</a> `, l)
	}
	b.WriteString("</body></html>")
	return []byte(b.String())
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The text fingerprint ignores markup, links, scripts and spacing; it sees text.
func TestTextFingerprint(t *testing.T) {
	a, n := textFingerprint(trapPage("Page A", "/a?visit=1"))
	b, _ := textFingerprint(trapPage("Page A", "/b?visit=2"))
	c, _ := textFingerprint(trapPage("Page B", "/a?visit=1"))
	if a != b || a == c || n < minCopyText {
		t.Errorf("fingerprints: same text %x %x, other text %x, length %d", a, b, c, n)
	}
	if _, n := textFingerprint([]byte(`<html><body><div id="root"></div><script>load()</script></body></html>`)); n >= minCopyText {
		t.Errorf("an empty shell has %d bytes of text", n)
	}
}

// The links of a copy stop with reason trap; a parameter that keeps making copies is
// learned and stops every URL with it; the originals' links go on.
func TestCopyWatch(t *testing.T) {
	g := defaultTrapGuard()
	page := func(u string) Entry { return Entry{URL: u, Kind: KindPage} }
	g.observePage(page("https://h/a"), trapPage("A"))
	g.observePage(page("https://h/b"), trapPage("B"))
	if why := g.Check(mustURL(t, "https://h/c?visit=1"), Entry{Parent: "https://h/a"}); why != "" {
		t.Errorf("a link of an original: %q", why)
	}
	g.observePage(page("https://h/a"), trapPage("A")) // the same page again is no copy
	if why := g.Check(mustURL(t, "https://h/x"), Entry{Parent: "https://h/a"}); why != "" {
		t.Errorf("a link of a page fetched twice: %q", why)
	}
	g.observePage(page("https://h/a?visit=1"), trapPage("A"))
	why := g.Check(mustURL(t, "https://h/a?visit=2"), Entry{Parent: "https://h/a?visit=1"})
	if !strings.Contains(why, "a copy of https://h/a") {
		t.Errorf("a link of a copy: %q, want it stopped", why)
	}
	// Four more copies by visit: the parameter is learned.
	if why := g.Check(mustURL(t, "https://h/b?visit=7"), Entry{Parent: "https://h/b"}); why != "" {
		t.Errorf("visit not learned yet: %q", why)
	}
	for i := 2; i <= 5; i++ {
		g.observePage(page(fmt.Sprintf("https://h/b?visit=%d", i)), trapPage("B"))
	}
	why = g.Check(mustURL(t, "https://h/b?visit=7"), Entry{Parent: "https://h/b"})
	if !strings.Contains(why, `parameter "visit" makes copies`) {
		t.Errorf("after 5 copies by visit: %q, want the parameter learned", why)
	}
	if why := g.CheckQueued(page("https://h/z?VISIT=1&q=2")); why == "" {
		t.Error("a queued URL with the learned parameter is not stopped")
	}
	if why := g.Check(mustURL(t, "https://other/b?visit=7"), Entry{Parent: "https://h/b"}); why != "" {
		t.Errorf("another host: %q", why)
	}
	if why := g.Check(mustURL(t, "https://h/b?page=2"), Entry{Parent: "https://h/b"}); why != "" {
		t.Errorf("another parameter: %q", why)
	}
}

// A parameter that also gives new pages is not learned from a few copies.
func TestCopyWatchKeepsParamsOfOriginals(t *testing.T) {
	g := defaultTrapGuard()
	for i := 1; i <= 40; i++ {
		g.observePage(Entry{URL: fmt.Sprintf("https://h/list?page=%d", i), Kind: KindPage}, trapPage(fmt.Sprintf("List %d", i)))
	}
	// Five soft-404 pages past the end, each a copy of the last.
	for i := 41; i <= 46; i++ {
		g.observePage(Entry{URL: fmt.Sprintf("https://h/list?page=%d", i), Kind: KindPage}, trapPage("List 40"))
	}
	if why := g.Check(mustURL(t, "https://h/list?page=2"), Entry{Parent: "https://h/"}); why != "" {
		t.Errorf("page stopped: %q", why)
	}
}

// A host whose pages are mostly copies is stopped.
func TestCopyWatchStopsHost(t *testing.T) {
	g := defaultTrapGuard()
	g.observePage(Entry{URL: "https://h/", Kind: KindPage}, trapPage("Home"))
	for i := range stopAfter {
		g.observePage(Entry{URL: fmt.Sprintf("https://h/p%d/", i), Kind: KindPage}, trapPage("Home"))
	}
	if why := g.Check(mustURL(t, "https://h/new"), Entry{Parent: "https://h/"}); !strings.Contains(why, "host h stopped") {
		t.Errorf("verdict %q, want the host stopped", why)
	}
	if why := g.Check(mustURL(t, "https://other/new"), Entry{}); why != "" {
		t.Errorf("another host: %q", why)
	}
}

// sessionSite serves three real pages (/, /a, /b) whose every response links to
// itself and the others with fresh session ids — ;jsessionid=N, ?PHPSESSID=N, ?sid=N —
// and counts requests per path.
type sessionSite struct {
	n    atomic.Int64
	mu   sync.Mutex
	hits map[string]int
}

func (s *sessionSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.mu.Unlock()
	if r.URL.Path == "/robots.txt" {
		http.NotFound(w, r)
		return
	}
	n := s.n.Add(1)
	links := fmt.Sprintf(`<a href="/a;jsessionid=%[1]d">A</a> <a href="/b?PHPSESSID=%[1]d">B</a> <a href="/?sid=%[1]d">Home</a>
<a href="%[2]s;jsessionid=%[1]d">this</a> <a href="%[2]s?sid=%[1]d&amp;utm_source=x">this again</a> <a href="/a;JSESSIONID=%[1]d?PHPSESSID=%[1]d">A</a>`, n, r.URL.Path)
	switch r.URL.Path {
	case "/a", "/b":
		id := strings.TrimPrefix(r.URL.Path, "/")
		fmt.Fprint(w, GenArticleHTML("session-"+id, "Session page "+id, "", links, nil))
	case "/":
		fmt.Fprintf(w, "<html><head><title>Home</title></head><body><p>Welcome.</p>%s</body></html>", links)
	default:
		http.NotFound(w, r)
	}
}

// Session ids in links make no new pages: each real page is fetched and recorded
// once.
func TestCrawlSessionIDs(t *testing.T) {
	site := &sessionSite{hits: map[string]int{}}
	srv := httptest.NewServer(site)
	defer srv.Close()
	cfg := smallConfig(config.Site{Name: "sessions", StartURLs: []string{srv.URL + "/"}, Articles: []string{`/[ab]$`}, MaxPages: 100})
	sink := &recordingSink{}
	sum := run(t, cfg, sink)
	site.mu.Lock()
	hits := site.hits
	site.mu.Unlock()
	for p, n := range hits {
		if n != 1 {
			t.Errorf("%s requested %d times, want once (all requests: %v)", p, n, hits)
		}
	}
	if hits["/"] != 1 || hits["/a"] != 1 || hits["/b"] != 1 {
		t.Errorf("requests by path %v, want /, /a and /b once each", hits)
	}
	got := paths(sink.all())
	if fmt.Sprint(got) != fmt.Sprint(map[string]int{"/a": 1, "/b": 1}) {
		t.Errorf("records %v, want /a and /b once", got)
	}
	for _, a := range sink.all() {
		if strings.ContainsAny(a.URL, ";?") {
			t.Errorf("record URL %s keeps a session id", a.URL)
		}
	}
	if sum.Fetched != len(hits)-1 || sum.Categories[CatDuplicate] < 3*5 {
		t.Errorf("fetched %d (paths %v), duplicates %d; want each path once and the session variants counted", sum.Fetched, hits, sum.Categories[CatDuplicate])
	}
}

// crawl.strip_params_extra makes a site-specific session parameter fold like the
// built-in ones.
func TestCrawlStripParamsExtra(t *testing.T) {
	var n atomic.Int64
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.RequestURI()]++
		mu.Unlock()
		v := n.Add(1)
		fmt.Fprintf(w, `<html><body><p>Page %s.</p><a href="/a?Visit=%d">a</a> <a href="/?visit=%d">home</a></body></html>`, r.URL.Path, v, v)
	}))
	defer srv.Close()
	obey := false
	cfg := smallConfig(config.Site{Name: "visit", StartURLs: []string{srv.URL + "/"}, ObeyRobots: &obey, MaxPages: 50})
	cfg.Crawl.StripParamsExtra = []string{"visit"}
	sum := run(t, cfg, &recordingSink{})
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(hits) != fmt.Sprint(map[string]int{"/": 1, "/a": 1}) || sum.Fetched != 2 {
		t.Errorf("requests %v (fetched %d), want / and /a once each", hits, sum.Fetched)
	}
}
