package output

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// The built-in formats besides jsonl (sink_jsonl.go): human-readable renderings
// (writer formats) and the path formats of BuiltinPathFormats.
func init() {
	Register("text", NewTextSink)
	Register("markdown", NewMarkdownSink)
	RegisterFormats(defaultRegistry)
}

// BuiltinPathFormats are the formats that write to a path: json, csv, parquet, sqlite
// and files. jsonl (with .gz), text and markdown are writer formats.
func BuiltinPathFormats() []PathFormat {
	return []PathFormat{
		{Name: "csv", Whole: true, Exts: []string{".csv"},
			Open:   func(p string) (Sink, error) { return NewCSVSink(p, CSVOptions{}) },
			Stream: func(w io.Writer) Sink { return NewCSVWriter(w, CSVOptions{}) },
			Doc:    "one row per article: scalar fields, authors/tags joined with \"; \", counts of nested parts, text; cells a spreadsheet would run as formulas get a leading '"},
		{Name: "files", Dir: true,
			Open: func(p string) (Sink, error) { return NewFilesSink(p) },
			Doc:  "one JSON file per article under DIR/{site}/{yyyy}/{mm}/{slug}.json"},
		{Name: "json", Whole: true, Exts: []string{".json"},
			Open:   func(p string) (Sink, error) { return NewJSONSink(p) },
			Stream: func(w io.Writer) Sink { return NewJSONWriter(w) },
			Doc:    "one JSON array of records"},
		{Name: "parquet", Whole: true, Exts: []string{".parquet"},
			Open: func(p string) (Sink, error) { return NewParquetSink(p) },
			Doc:  "Apache Parquet (zstd): sections → blocks → items/rows, related, references as nested columns"},
		{Name: "sqlite", Exts: []string{".db", ".sqlite", ".sqlite3"},
			Open: func(p string) (Sink, error) { return NewSQLiteSink(p) },
			Doc:  "SQLite tables articles, sections, blocks, related (indexes on url, site); one row per url (upsert), committed on Flush"},
	}
}

// RegisterFormats adds the built-in path formats to r (the default registry has them).
func RegisterFormats(r *Registry) {
	for _, f := range BuiltinPathFormats() {
		r.RegisterPath(f)
	}
}

// PathFormats lists the path formats of the default registry, sorted by name.
func PathFormats() []PathFormat {
	defaultRegistry.mu.RLock()
	defer defaultRegistry.mu.RUnlock()
	out := make([]PathFormat, 0, len(defaultRegistry.paths))
	for _, f := range defaultRegistry.paths {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// writerExts are the extensions of the writer formats; path formats carry theirs
// (PathFormat.Exts).
var writerExts = map[string][]string{
	"jsonl":    {".jsonl", ".ndjson", ".gz"},
	"markdown": {".md", ".markdown"},
	"text":     {".txt"},
}

// ErrUnknownExtension is the error of an output path whose extension names no format
// (and no format is given).
var ErrUnknownExtension = errors.New("names no output format")

// ErrFormatMismatch is the error of a format given for a path whose extension (or
// URL scheme) names another format.
var ErrFormatMismatch = errors.New("does not match the path's extension")

// Extensions maps every extension that names a format (lower-case, with its dot) to
// the format: those of the writer formats and every PathFormat.Exts registered.
func Extensions() map[string]string {
	out := map[string]string{}
	for f, exts := range writerExts {
		for _, e := range exts {
			out[e] = f
		}
	}
	for _, f := range PathFormats() {
		for _, e := range f.Exts {
			out[strings.ToLower(e)] = f.Name
		}
	}
	return out
}

// knownExtensions lists the extensions by format for messages: ".csv (csv), .db .sqlite
// .sqlite3 (sqlite), …".
func knownExtensions() string {
	by := map[string][]string{}
	for e, f := range Extensions() {
		by[f] = append(by[f], e)
	}
	names := make([]string, 0, len(by))
	for f := range by {
		names = append(names, f)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, f := range names {
		sort.Strings(by[f])
		parts[i] = strings.Join(by[f], " ") + " (" + f + ")"
	}
	return strings.Join(parts, ", ")
}

// placeholders are removed from a path before its extension is read.
var placeholders = strings.NewReplacer("{site}", "", "{date}", "", "{run}", "")

// FormatOfPath is the format a path names by itself: the path format whose
// PathFormat.Schemes has the path's URL scheme (redis://… is redis-stream), else the
// format of its extension (Extensions; case does not matter; .gz is jsonl, gzipped,
// and NAME.jsonl.gz too). "" when the path names none: "", "-", no extension (the
// {site}, {date} and {run} placeholders aside). An extension no format has is
// ErrUnknownExtension, naming the known ones; so is .gz after another format's
// extension (only jsonl is written gzipped).
func FormatOfPath(path string) (string, error) {
	if path == "" || path == "-" {
		return "", nil
	}
	if scheme, _, ok := strings.Cut(path, "://"); ok {
		for _, f := range PathFormats() {
			for _, s := range f.Schemes {
				if strings.EqualFold(s, scheme) {
					return f.Name, nil
				}
			}
		}
	}
	name := filepath.Base(path)
	base := placeholders.Replace(name) // "{date}.csv" → ".csv", "records.{run}" → "records."
	ext := strings.ToLower(filepath.Ext(base))
	if ext == "" || ext == "." || (ext == base && strings.HasPrefix(name, ".")) {
		return "", nil // no extension (".jsonl" alone is a hidden file's name)
	}
	exts := Extensions()
	f, ok := exts[ext]
	if !ok {
		return "", fmt.Errorf("extension %s %w (known: %s; or set the format)", ext, ErrUnknownExtension, knownExtensions())
	}
	if ext == ".gz" {
		inner := strings.ToLower(filepath.Ext(strings.TrimSuffix(base, filepath.Ext(base))))
		if g, ok := exts[inner]; ok && g != "jsonl" {
			return "", fmt.Errorf("extension %s.gz %w (only jsonl is written gzipped: .jsonl.gz)", inner, ErrUnknownExtension)
		}
	}
	return f, nil
}

// ResolveFormat is the format an output writes: format when given (it must be
// registered, and agree with FormatOfPath when the path names a format), else the one
// the path names (FormatOfPath), else jsonl. It is the one rule for output.path and
// output.sinks[].path wherever they are set (config file, CRAWL_OUTPUT_PATH, --out).
func ResolveFormat(path, format string) (string, error) {
	named, err := FormatOfPath(path)
	if format == "" {
		if err != nil {
			return "", err
		}
		if named == "" {
			return "jsonl", nil
		}
		return named, nil
	}
	if !HasFormat(format) {
		return "", fmt.Errorf("%w (known: %s)", ErrUnknownFormat, strings.Join(Formats(), ", "))
	}
	if err == nil && named != "" && named != format {
		return "", fmt.Errorf("%w: %q names %s; leave the format out, or make them agree", ErrFormatMismatch, path, named)
	}
	return format, nil
}

// FormatForPath is the format of a path given without one (ResolveFormat), jsonl
// when its extension names none.
func FormatForPath(path string) string {
	if f, err := ResolveFormat(path, ""); err == nil {
		return f
	}
	return "jsonl"
}

// IsGzipPath reports whether a jsonl path is written gzip-compressed (ends in .gz).
func IsGzipPath(path string) bool { return strings.EqualFold(filepath.Ext(path), ".gz") }
