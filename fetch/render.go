package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdpfetch "github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// ErrChromiumNotFound is returned by Renderer.Fetch when no Chromium binary is found.
var ErrChromiumNotFound = errors.New(`render: Chromium not found (install Debian's "chromium" package: apt-get install -y chromium)`)

// ChromiumEnv names an environment variable holding the Chromium binary to use; it
// is looked at when RenderOptions.Binary is empty.
const ChromiumEnv = "HEALTHCRAWL_CHROMIUM"

// chromiumNames are the binaries looked up on PATH, in order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Defaults of RenderOptions.
const (
	DefaultRenderParallelism = 2
	DefaultRenderTimeout     = 20 * time.Second
	// DefaultIdle is how long the network must be quiet for a page to count as loaded.
	DefaultIdle = 500 * time.Millisecond
)

// RenderOptions configure a Renderer.
type RenderOptions struct {
	// Binary is the Chromium executable (crawl.render_binary); empty = $HEALTHCRAWL_CHROMIUM,
	// then chromium, chromium-browser, google-chrome on PATH.
	Binary      string
	Parallelism int           // tabs open at once (crawl.render_parallelism); 0 = DefaultRenderParallelism
	Timeout     time.Duration // per page (crawl.render_timeout); 0 = DefaultRenderTimeout
	Idle        time.Duration // network quiet time that ends a page's load; 0 = DefaultIdle
	UserAgent   string
	Logger      *slog.Logger
}

// Renderer is a Fetcher that loads pages in one headless Chromium process, in a
// bounded pool of tabs, and returns the DOM once the page's network is idle (or a
// selector matches). Requests to other hosts than the page's are blocked unless
// allowed. The browser starts at the first Fetch; Close ends it.
type Renderer struct {
	opts RenderOptions
	tabs chan struct{} // a slot per tab in use
	idle chan *tab     // open tabs waiting for a page (opening one costs ~0.5 s)

	mu       sync.Mutex
	started  bool
	startErr error
	cancel   context.CancelFunc // ends the browser
	browser  context.Context    // chromedp context of the browser

	rendered atomic.Int64
}

// NewRenderer returns a Renderer; nothing is started until the first Fetch.
func NewRenderer(opts RenderOptions) *Renderer {
	if opts.Parallelism <= 0 {
		opts.Parallelism = DefaultRenderParallelism
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultRenderTimeout
	}
	if opts.Idle <= 0 {
		opts.Idle = DefaultIdle
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Renderer{opts: opts, tabs: make(chan struct{}, opts.Parallelism), idle: make(chan *tab, opts.Parallelism)}
}

// tab is an open browser tab with the Network and Fetch domains enabled.
type tab struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// openTab takes an idle tab or opens one.
func (r *Renderer) openTab(bctx context.Context) (*tab, error) {
	select {
	case t := <-r.idle:
		return t, nil
	default:
	}
	tctx, cancel := chromedp.NewContext(bctx)
	// Every request of the tab's pages is paused by the Fetch domain until the
	// listener of the page continues or blocks it.
	err := chromedp.Do(tctx,
		call(network.Enable, network.EnableParams{}),
		call(cdpfetch.Enable, cdpfetch.EnableParams{Patterns: []*cdpfetch.RequestPattern{{URLPattern: "*"}}}),
	)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open tab: %w", err)
	}
	return &tab{ctx: tctx, cancel: cancel}, nil
}

// putTab keeps a tab for the next page (which replaces the one it shows).
func (r *Renderer) putTab(t *tab) {
	select {
	case r.idle <- t:
	default:
		t.cancel()
	}
}

// FindChromium returns the Chromium binary to run: binary when set, else
// $HEALTHCRAWL_CHROMIUM, else the first of chromium, chromium-browser,
// google-chrome on PATH. The error wraps ErrChromiumNotFound.
func FindChromium(binary string) (string, error) {
	if binary == "" {
		binary = os.Getenv(ChromiumEnv)
	}
	if binary != "" {
		p, err := exec.LookPath(binary)
		if err != nil {
			return "", fmt.Errorf("%w: %s: %v", ErrChromiumNotFound, binary, err)
		}
		return p, nil
	}
	for _, n := range chromiumNames {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", ErrChromiumNotFound
}

// start launches the browser once; a failure is remembered.
func (r *Renderer) start() (context.Context, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return r.browser, r.startErr
	}
	r.started = true
	bin, err := FindChromium(r.opts.Binary)
	if err != nil {
		r.startErr = err
		return nil, err
	}
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(bin),
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("blink-settings", "imagesEnabled=false"),
	)
	if r.opts.UserAgent != "" {
		opts = append(opts, chromedp.UserAgent(r.opts.UserAgent))
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	// The browser lives until Close, not until the context of one request ends.
	// A start that fails (Chromium now and then exits at once on a loaded machine)
	// is tried once more before the error stays.
	var actx, bctx context.Context
	var acancel, bcancel context.CancelFunc
	for try := 1; ; try++ {
		actx, acancel = chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel = chromedp.NewContext(actx)
		err := chromedp.Do(bctx)
		if err == nil {
			break
		}
		bcancel()
		acancel()
		if try == 2 {
			r.startErr = fmt.Errorf("render: start %s: %w", bin, err)
			return nil, r.startErr
		}
		r.opts.Logger.Warn("chromium did not start, trying again", "binary", bin, "err", err)
		time.Sleep(500 * time.Millisecond)
	}
	r.browser = bctx
	r.cancel = func() { bcancel(); acancel() }
	r.opts.Logger.Info("chromium started", "binary", bin, "tabs", r.opts.Parallelism)
	return bctx, nil
}

// BrowserPID is the process id of the running browser (0 = not started).
func (r *Renderer) BrowserPID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.browser == nil {
		return 0
	}
	if c := chromedp.FromContext(r.browser); c != nil && c.Browser != nil {
		if p := c.Browser.Process(); p != nil {
			return p.Pid
		}
	}
	return 0
}

// Rendered counts the pages rendered so far.
func (r *Renderer) Rendered() int64 { return r.rendered.Load() }

// Close ends the browser (when it was started).
func (r *Renderer) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for done := false; !done; {
		select {
		case t := <-r.idle:
			t.cancel()
		default:
			done = true
		}
	}
	if r.cancel != nil {
		r.cancel()
		r.cancel, r.browser = nil, nil
	}
	return nil
}

// Fetch loads req.URL in a tab and returns the rendered DOM (outer HTML of the
// document) as Body. It waits for a free tab, then at most the render timeout.
func (r *Renderer) Fetch(ctx context.Context, req Request) (*Response, error) {
	resp, err := r.render(ctx, req)
	return StreamBuffered(req, resp, err)
}

func (r *Renderer) render(ctx context.Context, req Request) (*Response, error) {
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("render %s: not an absolute http(s) URL", req.URL)
	}
	bctx, err := r.start()
	if err != nil {
		return nil, err
	}
	select {
	case r.tabs <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("render %s: waiting for a tab: %w", req.URL, context.Cause(ctx))
	}
	defer func() { <-r.tabs }()

	tb, err := r.openTab(bctx)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", req.URL, err)
	}
	ok := false // the page ended well: the tab is kept
	defer func() {
		if ok {
			r.putTab(tb)
		} else {
			tb.cancel()
		}
	}()
	// The page ends with the caller's context or the render timeout; its listener
	// with it.
	tctx, cancelT := context.WithTimeout(tb.ctx, r.opts.Timeout)
	defer cancelT()
	stop := context.AfterFunc(ctx, cancelT)
	defer stop()

	allowed := map[string]bool{strings.ToLower(u.Hostname()): true}
	for _, h := range req.AllowHosts {
		allowed[strings.ToLower(strings.TrimSuffix(h, "."))] = true
	}
	var (
		mu       sync.Mutex
		inflight = map[network.RequestID]bool{}
		last     = time.Now()
		doc      *network.Response
		blocked  int
	)
	// The listener must return fast and not send commands: the requests paused by
	// the Fetch domain are answered from another goroutine.
	paused := make(chan *cdpfetch.EventRequestPaused, 256)
	err = chromedp.Listen(tctx, func(ev any) {
		switch ev := ev.(type) {
		case *cdpfetch.EventRequestPaused:
			select {
			case paused <- ev:
			case <-tctx.Done():
			}
		case *network.EventRequestWillBeSent:
			mu.Lock()
			inflight[ev.RequestID] = true
			last = time.Now()
			mu.Unlock()
		case *network.EventResponseReceived:
			mu.Lock()
			if doc == nil && ev.Type == network.ResourceTypeDocument {
				doc = ev.Response
			}
			last = time.Now()
			mu.Unlock()
		case *network.EventLoadingFinished:
			mu.Lock()
			delete(inflight, ev.RequestID)
			last = time.Now()
			mu.Unlock()
		case *network.EventLoadingFailed:
			mu.Lock()
			delete(inflight, ev.RequestID)
			last = time.Now()
			mu.Unlock()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("render %s: open tab: %w", req.URL, err)
	}
	go func() {
		for {
			select {
			case <-tctx.Done():
				return
			case ev := <-paused:
				if ev.Request != nil && hostAllowed(ev.Request.URL, allowed) && allowedBy(req.Allow, ev.Request.URL) {
					_, _ = chromedp.Call(tctx, cdpfetch.ContinueRequest, cdpfetch.ContinueRequestParams{RequestID: ev.RequestID})
					continue
				}
				mu.Lock()
				blocked++
				mu.Unlock()
				if ev.Request != nil {
					r.opts.Logger.Debug("render: blocked request", "page", req.URL, "url", ev.Request.URL)
				}
				_, _ = chromedp.Call(tctx, cdpfetch.FailRequest, cdpfetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
			}
		}
	}()
	idle := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			mu.Lock()
			quiet := len(inflight) == 0 && time.Since(last) >= r.opts.Idle
			mu.Unlock()
			if quiet {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
		}
	})
	wait := idle
	if req.WaitFor != "" {
		wait = chromedp.WaitReady(chromedp.CSS(req.WaitFor))
	}
	var dom, final string
	var steps []chromedp.Action[chromedp.Void]
	if len(req.Header) > 0 {
		h := network.Headers{}
		for k, v := range req.Header {
			h[k] = strings.Join(v, ", ")
		}
		steps = append(steps, call(network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h}))
	}
	steps = append(steps,
		chromedp.Navigate(req.URL),
		wait,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			v, err := chromedp.Evaluate[[]string](`[document.location.href, "<!DOCTYPE html>\n" + document.documentElement.outerHTML]`)(ctx, t)
			if err == nil && len(v) == 2 {
				final, dom = v[0], v[1]
			}
			return err
		}),
	)
	if err := chromedp.Do(tctx, steps...); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("render %s: %w", req.URL, context.Cause(ctx))
		}
		if errors.Is(err, context.DeadlineExceeded) || tctx.Err() != nil {
			return nil, fmt.Errorf("render %s: timeout after %s: %w", req.URL, r.opts.Timeout, context.DeadlineExceeded)
		}
		return nil, fmt.Errorf("render %s: %w", req.URL, err)
	}
	r.rendered.Add(1)
	ok = true
	resp := &Response{URL: final, Status: http.StatusOK, Header: http.Header{}, Body: []byte(dom), Rendered: true}
	mu.Lock()
	defer mu.Unlock()
	resp.Blocked = blocked
	if doc != nil {
		resp.Status = int(doc.Status)
		for k, v := range doc.Headers {
			resp.Header.Set(k, fmt.Sprint(v))
		}
	}
	if resp.URL == "" {
		resp.URL = req.URL
	}
	return resp, nil
}

// call is an action that sends one protocol command.
func call[P, R any](cmd cdp.Command[P, R], params P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, params)
		return err
	})
}

// allowedBy asks allow (nil = everything allowed) about a request's URL; data:,
// blob: and about: URLs are not network requests and always allowed.
func allowedBy(allow func(*url.URL) bool, raw string) bool {
	if allow == nil {
		return true
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return true
	}
	return allow(u)
}

// hostAllowed: the request goes to an allowed host, or is not a network request
// (data:, blob:).
func hostAllowed(raw string, allowed map[string]bool) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss" {
		return u.Scheme == "data" || u.Scheme == "blob" || u.Scheme == "about"
	}
	return allowed[strings.ToLower(u.Hostname())]
}
