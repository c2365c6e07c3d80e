// Package hangsite is a test site with one page that hangs: / links to the
// articles /articles/a1 and /articles/a2 and to /articles/hang, whose request
// blocks until Release is called or the client cancels it. The stop tests of the
// crawler and of the crawl command serve it on loopback.
package hangsite

import (
	"fmt"
	"net/http"
	"sync"
)

// Paths of the articles, the hanging one last.
var Articles = []string{"/articles/a1", "/articles/a2", "/articles/hang"}

// Site is the http.Handler of the site. Safe for concurrent use.
type Site struct {
	// Entered is closed when /articles/hang is first requested; Cancelled when a
	// request of it is cancelled by the client before Release.
	Entered, Cancelled chan struct{}

	article                      func(path string) string
	release                      chan struct{}
	enterOnce, cancelOnce, rOnce sync.Once
}

// New returns the site; article renders the HTML of an article page.
func New(article func(path string) string) *Site {
	return &Site{Entered: make(chan struct{}), Cancelled: make(chan struct{}), release: make(chan struct{}), article: article}
}

// Release makes /articles/hang answer (now and from then on).
func (s *Site) Release() { s.rOnce.Do(func() { close(s.release) }) }

// ServeHTTP implements http.Handler.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		fmt.Fprint(w, `<html><head><title>Index</title></head><body><ul>`)
		for _, p := range Articles {
			fmt.Fprintf(w, `<li><a href="%s">%s</a></li>`, p, p)
		}
		fmt.Fprint(w, `</ul></body></html>`)
	case "/about":
		fmt.Fprint(w, `<html><head><title>About</title></head><body><p>About us.</p></body></html>`)
	case Articles[0], Articles[1]:
		fmt.Fprint(w, s.article(r.URL.Path))
	case Articles[2]:
		s.enterOnce.Do(func() { close(s.Entered) })
		select {
		case <-s.release:
			fmt.Fprint(w, s.article(r.URL.Path))
		case <-r.Context().Done():
			s.cancelOnce.Do(func() { close(s.Cancelled) })
		}
	default:
		http.NotFound(w, r)
	}
}
