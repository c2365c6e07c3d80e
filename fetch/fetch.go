// Package fetch is the seam between the crawler and the ways a page is fetched: a
// Request goes in, a Response (final URL, status, headers, body) comes out.
//
//   - HTTP (http.go) is the static fetcher: colly does the HTTP; the body is read
//     through one bounded reader after decompression, whatever the encoding
//     (body.go); redirects follow the Request's policy.
//   - Renderer (render.go) loads the page in headless Chromium and returns the DOM
//     after its scripts ran; NeedsRender (detect.go) tells a static page that only
//     a browser can read from one that has its content.
//   - Politeness (polite.go) is the one definition of per-host slots and delays
//     (local, or fleet-wide through a SharedLimiter): every HTTP round trip and
//     every rendered page takes a turn.
//
// Fetchers are registered by name (registry.go): a new fetcher is one new file
// whose init calls Register, selected by crawl.fetcher or crawl.renderer.
package fetch

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
)

// Request is one page to fetch.
type Request struct {
	URL    string
	Header http.Header // extra request headers (may be nil)
	Site   string      // the site target the page belongs to (for logs and errors)
	// WaitFor is a CSS selector: a rendered page is read once an element matches it
	// (sites[].render_wait_for); empty = once the network is idle.
	WaitFor string
	// AllowHosts are hosts, besides the page's own, that a rendered page may load
	// resources from (sites[].render_allow_hosts); every other host is blocked.
	AllowHosts []string
	// Allow, when set, is asked about every request of a rendered page to an allowed
	// host (the crawler's robots.txt check); false blocks the request.
	Allow func(u *url.URL) bool

	// MaxBytes bounds the body, counted after decompression; 0 = no limit. A larger
	// body is not read: Fetch returns a *TooBigError.
	MaxBytes int64
	// Truncate cuts a body over MaxBytes at MaxBytes instead of refusing it
	// (robots.txt: the first 500 KiB are read).
	Truncate bool
	// CheckRedirect, when set, is asked before each redirect is followed, as
	// http.Client's; its error stops the fetch and is returned (errors.As finds it).
	// nil = at most DefaultMaxRedirects.
	CheckRedirect func(req *http.Request, via []*http.Request) error
	// Accept, when set, is asked once the header of a 2xx response arrived; its
	// error stops the download (the body is not read) and is returned with the
	// Response (status, header).
	Accept func(status int, h http.Header) error
	// Stream, when set, reads the body of a 2xx response in place of Fetch
	// buffering it (Response.Body stays nil): r is the body decompressed and bounded
	// by MaxBytes (a read past the limit fails with a *TooBigError). It runs while
	// the fetch holds its politeness turn, so it must not fetch anything itself. Its
	// error is returned by Fetch with the Response (errors.As finds a *TooBigError).
	// Fetchers that cannot stream (a browser) read the body and then call Stream with
	// it.
	Stream func(r io.Reader) error
}

// Response is a fetched page.
type Response struct {
	URL      string // final URL, after redirects
	Status   int
	Header   http.Header
	Body     []byte
	Rendered bool // Body is the DOM of a browser after the page's scripts ran
	// Blocked counts the requests of a rendered page that went to hosts not allowed.
	Blocked int
	// Redirects is the number of redirects followed.
	Redirects int
}

// StreamBuffered hands a body already read whole to r.Stream, for a fetcher that
// cannot stream (a browser): resp and err as it returned them, or r.Stream's
// error, or a *TooBigError for a body over r.MaxBytes. Without a Stream, or for an
// error or a status that is not 2xx, resp and err are returned unchanged.
func StreamBuffered(r Request, resp *Response, err error) (*Response, error) {
	if r.Stream == nil || err != nil || resp == nil || resp.Status < 200 || resp.Status > 299 {
		return resp, err
	}
	body := resp.Body
	resp.Body = nil
	if r.MaxBytes > 0 && int64(len(body)) > r.MaxBytes && !r.Truncate {
		return resp, &TooBigError{URL: r.URL, Limit: r.MaxBytes, Length: int64(len(body))}
	}
	if r.MaxBytes > 0 && int64(len(body)) > r.MaxBytes {
		body = body[:r.MaxBytes]
	}
	return resp, r.Stream(bytes.NewReader(body))
}

// Fetcher fetches one page.
type Fetcher interface {
	Fetch(ctx context.Context, r Request) (*Response, error)
}
