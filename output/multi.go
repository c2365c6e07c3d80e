package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

// Spec says where one sink writes: a path ("-" = standard output; a directory for
// the files format), a format ("" = from the path's extension, see FormatForPath)
// and an optional rotation.
type Spec struct {
	Path   string
	Format string
	Rotate Rotate
}

// PathFormat is a format that writes to a path (the formats of the registry write
// to an io.Writer).
type PathFormat struct {
	Name string
	// Open creates the sink writing to path.
	Open func(path string) (Sink, error)
	// Stream, when set, writes the format to a caller's writer (standard output).
	Stream func(w io.Writer) Sink
	// Whole formats are only readable complete (json, csv, parquet): they are
	// written under a temporary name and renamed onto the path on Close.
	Whole bool
	// Dir formats write a directory tree (files); they do not rotate.
	Dir bool
	// Exts are the file extensions that select the format when none is given.
	Exts []string
	// Doc is a one-line description.
	Doc string
}

var pathFormats = map[string]PathFormat{
	"json": {Name: "json", Whole: true, Exts: []string{".json"},
		Open:   func(p string) (Sink, error) { return NewJSONSink(p) },
		Stream: func(w io.Writer) Sink { return NewJSONWriter(w) },
		Doc:    "one JSON array of records; file finalised atomically on Close"},
	"csv": {Name: "csv", Whole: true, Exts: []string{".csv"},
		Open:   func(p string) (Sink, error) { return NewCSVSink(p) },
		Stream: func(w io.Writer) Sink { return NewCSVWriter(w) },
		Doc:    "one row per article (scalar fields, counts, text); finalised atomically"},
	"parquet": {Name: "parquet", Whole: true, Exts: []string{".parquet"},
		Open: func(p string) (Sink, error) { return NewParquetSink(p) },
		Doc:  "Apache Parquet, zstd; sections/blocks/items and related as nested columns; finalised atomically"},
	"sqlite": {Name: "sqlite", Exts: []string{".db", ".sqlite", ".sqlite3"},
		Open: func(p string) (Sink, error) { return NewSQLiteSink(p) },
		Doc:  "SQLite tables articles, sections, blocks, related; one transaction per record"},
	"files": {Name: "files", Dir: true,
		Open: func(p string) (Sink, error) { return NewFilesSink(p) },
		Doc:  "one JSON file per article under {site}/{yyyy}/{mm}/{slug}.json"},
}

// PathFormats lists the path-based formats, sorted by name.
func PathFormats() []PathFormat {
	out := make([]PathFormat, 0, len(pathFormats))
	for _, f := range pathFormats {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AllFormats lists every format name, path-based and writer-based, sorted.
func AllFormats() []string {
	seen := map[string]bool{}
	for _, f := range Formats() {
		seen[f] = true
	}
	for n := range pathFormats {
		seen[n] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// KnownFormat reports whether name is a format of either kind ("" means jsonl).
func KnownFormat(name string) bool {
	_, ok := pathFormats[name]
	return ok || name == "" || HasFormat(name)
}

// FormatForPath guesses the format from a path's extension: .jsonl/.ndjson/.gz →
// jsonl, .json → json, .csv, .parquet, .db/.sqlite/.sqlite3 → sqlite, .md → markdown,
// .txt → text; anything else (and "-") → jsonl.
func FormatForPath(path string) string {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range pathFormats {
		for _, e := range f.Exts {
			if e == ext {
				return f.Name
			}
		}
	}
	switch ext {
	case ".md", ".markdown":
		return "markdown"
	case ".txt":
		return "text"
	}
	return "jsonl"
}

// IsGzipPath reports whether a jsonl path is written gzip-compressed (ends in .gz).
func IsGzipPath(path string) bool { return strings.EqualFold(filepath.Ext(path), ".gz") }

// OpenSpec opens the sink of spec from the default registry and the path formats.
func OpenSpec(ctx context.Context, spec Spec) (Sink, error) {
	return openSpec(ctx, defaultRegistry, spec)
}

func openSpec(ctx context.Context, r *Registry, spec Spec) (Sink, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	format := spec.Format
	if format == "" {
		format = FormatForPath(spec.Path)
	}
	if spec.Path == "" {
		return nil, fmt.Errorf("output format %s: empty path", format)
	}
	pf, isPath := pathFormats[format]
	if !isPath && !r.Has(format) {
		return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownFormat, format, AllFormats())
	}
	if spec.Path == "-" {
		switch {
		case !isPath:
			return r.New(format, os.Stdout)
		case pf.Stream != nil:
			return pf.Stream(os.Stdout), nil
		default:
			return nil, fmt.Errorf("output format %s cannot write to standard output: give a file path", format)
		}
	}
	if err := spec.Rotate.Validate(); err != nil {
		return nil, fmt.Errorf("output %s: %w", spec.Path, err)
	}
	open := func(path string) (Sink, error) { return openPath(r, format, path) }
	if spec.Rotate.Enabled() {
		if pf.Dir {
			return nil, fmt.Errorf("output %s: format %s writes a directory and does not rotate", spec.Path, format)
		}
		return NewRotating(spec.Path, spec.Rotate, open)
	}
	return open(spec.Path)
}

// openPath opens one file of format at path.
func openPath(r *Registry, format, path string) (Sink, error) {
	if pf, ok := pathFormats[format]; ok {
		return pf.Open(path)
	}
	if format == "jsonl" && IsGzipPath(path) {
		return NewGzipJSONLSink(path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	cf := &countingFile{f: f}
	s, err := r.New(format, cf)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &countedFileSink{Sink: s, cf: cf, path: path}, nil
}

// countingFile counts the bytes written to a file.
type countingFile struct {
	mu sync.Mutex
	f  *os.File
	n  int64
}

func (c *countingFile) Write(p []byte) (int, error) {
	n, err := c.f.Write(p)
	c.mu.Lock()
	c.n += int64(n)
	c.mu.Unlock()
	return n, err
}

// countedFileSink closes the file after the sink and reports its size.
type countedFileSink struct {
	Sink
	cf   *countingFile
	path string
	once sync.Once
	err  error
}

func (s *countedFileSink) Size() int64 {
	s.cf.mu.Lock()
	defer s.cf.mu.Unlock()
	return s.cf.n
}

func (s *countedFileSink) Close(ctx context.Context) error {
	s.once.Do(func() {
		err := s.Sink.Close(ctx)
		if cerr := s.cf.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close output %s: %w", s.path, cerr)
		}
		s.err = err
	})
	return s.err
}

// OpenSpecs opens every spec; several are written together through a MultiSink. When
// one fails to open, those already open are aborted (whole-file formats leave no file).
func OpenSpecs(ctx context.Context, specs []Spec) (Sink, error) {
	var sinks []Sink
	for _, sp := range specs {
		s, err := OpenSpec(ctx, sp)
		if err != nil {
			for _, o := range sinks {
				abort(ctx, o)
			}
			return nil, err
		}
		sinks = append(sinks, s)
	}
	return NewMulti(sinks...), nil
}

// aborter is a sink that can be dropped without finalising its file.
type aborter interface{ Abort() error }

func abort(ctx context.Context, s Sink) {
	if a, ok := s.(aborter); ok {
		_ = a.Abort()
		return
	}
	_ = s.Close(ctx)
}

// MultiSink writes every record to several sinks in turn. A failing sink does not
// stop the others: Write and Close return the errors of all of them joined.
type MultiSink struct {
	sinks []Sink
	once  sync.Once
	err   error
}

// NewMulti returns a sink writing to each of sinks; one sink is returned as is.
func NewMulti(sinks ...Sink) Sink {
	if len(sinks) == 1 {
		return sinks[0]
	}
	return &MultiSink{sinks: sinks}
}

// Write writes a to every sink.
func (m *MultiSink) Write(ctx context.Context, a *article.Article) error {
	var errs []error
	for _, s := range m.sinks {
		if err := s.Write(ctx, a); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes every sink; idempotent.
func (m *MultiSink) Close(ctx context.Context) error {
	m.once.Do(func() {
		var errs []error
		for _, s := range m.sinks {
			if err := s.Close(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		m.err = errors.Join(errs...)
	})
	return m.err
}

// Abort aborts every sink that can be aborted and closes the others.
func (m *MultiSink) Abort() error {
	m.once.Do(func() {
		for _, s := range m.sinks {
			abort(context.Background(), s)
		}
	})
	return nil
}
