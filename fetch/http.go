package fetch

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
)

// DefaultAccept is the Accept header of page requests.
const DefaultAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// DefaultMaxRedirects is the redirect limit of a Request without CheckRedirect.
const DefaultMaxRedirects = 10

// HTTPOptions configure the HTTP fetcher.
type HTTPOptions struct {
	UserAgent string
	Accept    string        // Accept header when a Request sets none; "" = DefaultAccept
	Timeout   time.Duration // whole request, body included; 0 = none
	// Politeness takes a turn for every round trip (redirects included); nil = no
	// per-host limits.
	Politeness *Politeness
	// Transport is the network under everything (tests, the network policy); nil =
	// a clone of http.DefaultTransport.
	Transport http.RoundTripper
}

// HTTP is the static fetcher: colly's collector does the HTTP (request building,
// cookies, redirects, the client), the fetch package does the rest around it —
// politeness and the bounded, decompressing body reader in the transport, the
// redirect policy and the header checks per Request. No state passes through
// colly's context or the URL: each Fetch runs on a clone of the collector whose
// context carries the Request.
type HTTP struct {
	c      *colly.Collector
	accept string
}

// stateKey is the context key of a fetch's *state, on every request of the fetch
// (the redirect hops inherit the first request's context).
type stateKey struct{}

// state is one Fetch in flight.
type state struct {
	req       *Request
	resp      *Response
	redirects int
	stop      error // why the body was not read (Request.Accept, TooBig); nil for a status

	// parent is the fetch this one is made from (robots.txt of a redirect target,
	// read while the redirect is checked); held are the hosts whose turn this fetch
	// holds. A request made from inside a fetch that holds its host's turn shares
	// that turn instead of waiting for it (with one slot per host, it would wait
	// for itself).
	parent *state
	mu     sync.Mutex
	held   map[string]int
}

func stateFrom(ctx context.Context) *state {
	st, _ := ctx.Value(stateKey{}).(*state)
	return st
}

// holds reports whether st or a fetch it is made from holds host's turn.
func (st *state) holds(host string) bool {
	for s := st; s != nil; s = s.parent {
		s.mu.Lock()
		n := s.held[host]
		s.mu.Unlock()
		if n > 0 {
			return true
		}
	}
	return false
}

// hold records that st holds host's turn until the returned function is called.
func (st *state) hold(host string) func() {
	st.mu.Lock()
	if st.held == nil {
		st.held = map[string]int{}
	}
	st.held[host]++
	st.mu.Unlock()
	return func() {
		st.mu.Lock()
		st.held[host]--
		st.mu.Unlock()
	}
}

// NewHTTP returns the HTTP fetcher.
func NewHTTP(opts HTTPOptions) *HTTP {
	c := colly.NewCollector(
		colly.UserAgent(opts.UserAgent),
		colly.AllowURLRevisit(), // what was visited is the crawler's business
		colly.ParseHTTPErrorResponse(),
	)
	c.IgnoreRobotsTxt = true // the crawler reads robots.txt itself (Crawl-delay, Sitemap lines)
	c.DetectCharset = false  // bodies are decoded once, by the extractor
	c.MaxDepth = 0
	c.MaxBodySize = 0 // bounded after decompression, by bodyTransport
	if opts.Timeout > 0 {
		c.SetRequestTimeout(opts.Timeout)
	}
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	var rt http.RoundTripper = &bodyTransport{next: base}
	if opts.Politeness != nil {
		rt = opts.Politeness.Transport(rt)
	}
	c.WithTransport(rt)
	c.SetRedirectHandler(checkRedirect)
	accept := opts.Accept
	if accept == "" {
		accept = DefaultAccept
	}
	return &HTTP{c: c, accept: accept}
}

// checkRedirect is the collector's redirect policy: the Request's CheckRedirect,
// found through the request's context.
func checkRedirect(req *http.Request, via []*http.Request) error {
	st, _ := req.Context().Value(stateKey{}).(*state)
	if st == nil || st.req.CheckRedirect == nil {
		if len(via) >= DefaultMaxRedirects {
			return fmt.Errorf("more than %d redirects", DefaultMaxRedirects)
		}
		return nil
	}
	st.redirects = len(via)
	return st.req.CheckRedirect(req, via)
}

// Fetch GETs r.URL. A response with a status outside 2xx returns its status and
// header, no body, and no error; a body over r.MaxBytes returns a *TooBigError;
// r.Accept's error and r.CheckRedirect's error are returned as they are (wrapped),
// with the Response as far as it came.
func (h *HTTP) Fetch(ctx context.Context, r Request) (*Response, error) {
	st := &state{req: &r, parent: stateFrom(ctx)}
	c := h.c.Clone()
	c.Context = context.WithValue(ctx, stateKey{}, st)
	hdr := http.Header{}
	for k, v := range r.Header {
		hdr[k] = append([]string(nil), v...)
	}
	if hdr.Get("Accept") == "" {
		hdr.Set("Accept", h.accept)
	}
	// The body is read by bodyTransport into st.resp (colly is handed an empty one).
	err := c.Request(http.MethodGet, r.URL, nil, nil, hdr)
	switch {
	case st.stop != nil:
		return st.resp, st.stop
	case err != nil:
		return st.resp, fmt.Errorf("fetch %s: %w", r.URL, err)
	case st.resp == nil:
		return nil, fmt.Errorf("fetch %s: no response", r.URL)
	}
	return st.resp, nil
}
