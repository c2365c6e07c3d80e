// Package fetch is the seam between the crawler and the ways a page is fetched: a
// Request goes in, a Response (final URL, status, headers, body) comes out. The
// Renderer (render.go) is a Fetcher that loads the page in headless Chromium and
// returns the DOM after its scripts ran; NeedsRender (detect.go) tells a static
// page that only a browser can read from one that has its content.
package fetch

import (
	"context"
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
}

// Fetcher fetches one page.
type Fetcher interface {
	Fetch(ctx context.Context, r Request) (*Response, error)
}
