package output

import (
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

// FormatForPath guesses the format from a path's extension: .json → json, .csv,
// .parquet, .db/.sqlite/.sqlite3 → sqlite, the Exts of any other path format
// registered (RegisterPath), .md → markdown, .txt → text; anything else (.jsonl,
// .ndjson, .gz, "-") → jsonl.
func FormatForPath(path string) string {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range PathFormats() {
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
