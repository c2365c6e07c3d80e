package config

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DateLayout is the layout of {date} in output paths: UTC, sortable, one file per
// run even for runs minutes apart.
const DateLayout = "2006-01-02T150405Z"

// PathVars are the values of the placeholders of output.path, output.sinks[].path
// and output.errors_path, for one run.
type PathVars struct {
	// Site replaces {site}, made path-safe (SafePathName); "" leaves {site} as it is
	// (several sites in one run).
	Site string
	// Run replaces {run}: the run number in the crawl state (the run in progress
	// when resuming, else the next one). 0 (no state kept) is written as 1.
	Run int64
	// Start replaces {date} (DateLayout, UTC): when the run began (the run in
	// progress when resuming, so a resumed run writes to the same files).
	Start time.Time
}

// ExpandPath replaces {site} (with SafePathName of the site), {run} and {date} in
// path. "-" (standard output) and "" are returned as they are. crawl run and crawl
// schedule both expand through it.
func ExpandPath(path string, v PathVars) string {
	if path == "" || path == "-" || !strings.Contains(path, "{") {
		return path
	}
	run := max(v.Run, 1)
	pairs := []string{"{run}", strconv.FormatInt(run, 10), "{date}", v.Start.UTC().Format(DateLayout)}
	if v.Site != "" {
		pairs = append(pairs, "{site}", SafePathName(v.Site))
	}
	return strings.NewReplacer(pairs...).Replace(path)
}

// MaxPathNameBytes bounds the length of SafePathName's result.
const MaxPathNameBytes = 128

// SafePathName is name made safe as one path element, for {site} in output paths:
// letters and digits (any script), '-' and '_' are kept; a '.' is kept only right
// after one of those (so the result is never "." or "..", holds no "..", and is no
// hidden file); every other character (path separators / and \, spaces, control
// characters, other punctuation, invalid UTF-8, a '.' first or after anything else)
// becomes '_'; the result is cut to MaxPathNameBytes bytes; an empty name gives "_".
// A name made of letters, digits, '-', '_' and single inner dots is unchanged.
func SafePathName(name string) string {
	var sb strings.Builder
	afterKept := false       // the previous character was a letter, digit, '-' or '_'
	for _, r := range name { // an invalid byte is utf8.RuneError: not a letter
		kept := r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
		if !kept && !(r == '.' && afterKept) {
			r = '_'
		}
		afterKept = kept
		if sb.Len()+utf8.RuneLen(r) > MaxPathNameBytes {
			break
		}
		sb.WriteRune(r)
	}
	if sb.Len() == 0 {
		return "_"
	}
	return sb.String()
}

// Expand returns o with ExpandPath applied to path, errors_path and every sink path.
func (o Output) Expand(v PathVars) Output {
	return o.MapPaths(func(p string) string { return ExpandPath(p, v) })
}

// MapPaths returns o with f applied to path, errors_path and every sink path.
func (o Output) MapPaths(f func(string) string) Output {
	o.Path = f(o.Path)
	o.ErrorsPath = f(o.ErrorsPath)
	if len(o.Sinks) > 0 {
		sinks := make([]Sink, len(o.Sinks))
		for i, s := range o.Sinks {
			s.Path = f(s.Path)
			sinks[i] = s
		}
		o.Sinks = sinks
	}
	return o
}

// Paths lists path, every sink path and errors_path (non-empty ones), in that order.
func (o Output) Paths() []string {
	var out []string
	for _, p := range append(append([]string{o.Path}, sinkPaths(o.Sinks)...), o.ErrorsPath) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func sinkPaths(ss []Sink) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Path
	}
	return out
}
