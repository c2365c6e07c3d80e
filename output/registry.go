package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
)

// Factory makes a Sink that writes to w. The sink does not close w.
type Factory func(w io.Writer) Sink

// ErrUnknownFormat is returned by Open for a format no factory is registered for.
var ErrUnknownFormat = errors.New("unknown output format")

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("sink closed")

// Registry maps format names to sink factories. The package has a default one
// (Register, Open, Formats); tests may build their own.
type Registry struct {
	mu    sync.RWMutex
	m     map[string]Factory    // formats that write to an io.Writer
	paths map[string]PathFormat // formats that write to a path (RegisterFormats)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{m: map[string]Factory{}, paths: map[string]PathFormat{}}
}

// RegisterPath adds (or replaces) a format that writes to a path.
func (r *Registry) RegisterPath(f PathFormat) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.paths[f.Name] = f
}

// PathFormat returns the path format registered under name.
func (r *Registry) PathFormat(name string) (PathFormat, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.paths[name]
	return f, ok
}

// Register adds (or replaces) the factory for format.
func (r *Registry) Register(format string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[format] = f
}

// Formats lists the registered formats of both kinds, sorted.
func (r *Registry) Formats() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.m)+len(r.paths))
	for k := range r.m {
		out = append(out, k)
	}
	for k := range r.paths {
		if _, dup := r.m[k]; !dup {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether format is registered (of either kind).
func (r *Registry) Has(format string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.m[format]
	_, pok := r.paths[format]
	return ok || pok
}

// Open creates the sink for format writing to path: "-" is standard output; any
// other path is created (with its directories) and appended to — a run never
// destroys what an earlier one wrote (Spec.Overwrite replaces it) — and closed by
// the sink's Close. An empty format is guessed from the path (FormatForPath; jsonl
// unless the extension says otherwise); jsonl to a path ending in .gz is gzipped.
func (r *Registry) Open(ctx context.Context, format, path string) (Sink, error) {
	return r.OpenSpec(ctx, Spec{Path: path, Format: format})
}

var defaultRegistry = NewRegistry()

// DefaultRegistry is the registry Register, Open, New and Formats use.
func DefaultRegistry() *Registry { return defaultRegistry }

// RegisterPath adds a path format to the default registry (call from init).
func RegisterPath(f PathFormat) { defaultRegistry.RegisterPath(f) }

// Register adds a factory to the default registry (call from init).
func Register(format string, f Factory) { defaultRegistry.Register(format, f) }

// Formats lists the formats of the default registry.
func Formats() []string { return defaultRegistry.Formats() }

// HasFormat reports whether the default registry knows format.
func HasFormat(format string) bool { return defaultRegistry.Has(format) }

// Open opens a sink from the default registry; see Registry.Open.
func Open(ctx context.Context, format, path string) (Sink, error) {
	return defaultRegistry.Open(ctx, format, path)
}

// ErrNeedsPath is returned by New for a format that only writes to a path
// (parquet, sqlite, files).
var ErrNeedsPath = errors.New("format writes to a file path, not a stream")

// New returns the sink for format writing to w (not closed by the sink). Path formats
// with a streaming variant (json, csv) stream to w; the others are ErrNeedsPath.
func (r *Registry) New(format string, w io.Writer) (Sink, error) {
	return r.NewSpec(Spec{Format: format}, w)
}

// NewSpec is New for the format of spec with its options (Spec.CSVRaw); the path
// of spec is not used.
func (r *Registry) NewSpec(spec Spec, w io.Writer) (Sink, error) {
	format := spec.Format
	if format == "" {
		format = "jsonl"
	}
	r.mu.RLock()
	f, ok := r.m[format]
	pf, pok := r.paths[format]
	r.mu.RUnlock()
	pf = spec.withOptions(pf)
	switch {
	case ok:
		return f(w), nil
	case pok && pf.Stream != nil:
		return pf.Stream(w), nil
	case pok:
		return nil, fmt.Errorf("output format %s: %w", format, ErrNeedsPath)
	}
	return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownFormat, format, r.Formats())
}

// New returns a sink of the default registry writing to w; see Registry.New.
func New(format string, w io.Writer) (Sink, error) { return defaultRegistry.New(format, w) }

// NewSpec returns a sink of the default registry writing to w; see Registry.NewSpec.
func NewSpec(spec Spec, w io.Writer) (Sink, error) { return defaultRegistry.NewSpec(spec, w) }
