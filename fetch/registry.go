package fetch

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Options are what a fetcher is built from: the crawl settings that concern
// fetching. A fetcher uses the fields it needs.
type Options struct {
	UserAgent string
	Timeout   time.Duration // per request (static fetchers)
	// Politeness is the site's per-host limits (static fetchers take a turn per
	// round trip; a renderer is wrapped with Politeness.Wrap by the caller).
	Politeness *Politeness
	Transport  http.RoundTripper // the network under a static fetcher; nil = default

	RenderBinary      string        // crawl.render_binary
	RenderParallelism int           // crawl.render_parallelism
	RenderTimeout     time.Duration // crawl.render_timeout
	Logger            *slog.Logger
}

// Factory builds a fetcher.
type Factory func(Options) (Fetcher, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Factory{}
)

// Register adds a fetcher under name (call from the init of the fetcher's file).
// Registering a name twice panics: it is a programming error.
func Register(name string, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("fetch: fetcher " + name + " registered twice")
	}
	registry[name] = f
}

// New builds the fetcher registered under name.
func New(name string, o Options) (Fetcher, error) {
	regMu.RLock()
	f, ok := registry[name]
	regMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("fetcher %q: not known (known: %v)", name, Names())
	}
	return f(o)
}

// Names lists the registered fetchers, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// The built-in fetchers.
const (
	NameHTTP     = "http"     // HTTP: static pages through colly
	NameChromium = "chromium" // Renderer: headless Chromium over the DevTools protocol
)

func init() {
	Register(NameHTTP, func(o Options) (Fetcher, error) {
		return NewHTTP(HTTPOptions{UserAgent: o.UserAgent, Timeout: o.Timeout, Politeness: o.Politeness, Transport: o.Transport}), nil
	})
	Register(NameChromium, func(o Options) (Fetcher, error) {
		return NewRenderer(RenderOptions{Binary: o.RenderBinary, Parallelism: o.RenderParallelism, Timeout: o.RenderTimeout, UserAgent: o.UserAgent, Logger: o.Logger}), nil
	})
}
