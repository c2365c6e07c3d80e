package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// numKind is how a numeric key is written and shown.
type numKind int

const (
	kindInt      numKind = iota // a count
	kindBytes                   // a size in bytes (shown with its binary unit)
	kindDuration                // a Go duration string with a unit: 500ms, 20s, 1h
)

// Bound is the allowed range of one numeric key (Min ≤ value ≤ Max; ZeroOff also
// allows 0, which then turns the setting off).
type Bound struct {
	Min, Max int64
	// ZeroOff: 0 is allowed besides Min..Max and means "no limit".
	ZeroOff bool
	kind    numKind
}

const (
	kib = 1 << 10
	mib = 1 << 20
	gib = 1 << 30
	tib = 1 << 40
)

func ints(lo, hi int64) Bound { return Bound{Min: lo, Max: hi} }
func durs(lo, hi time.Duration) Bound {
	return Bound{Min: int64(lo), Max: int64(hi), kind: kindDuration}
}

// Bounds are the allowed ranges of every numeric key of the configuration, by key
// path ("sites[]" stands for every entry of sites). Every int and duration field of
// Config has one (a test checks it); README's config reference lists them.
var Bounds = map[string]Bound{
	"crawl.parallelism":         ints(1, 1000),
	"crawl.delay":               durs(0, time.Hour),
	"crawl.timeout":             durs(100*time.Millisecond, time.Hour),
	"crawl.max_body_bytes":      {Min: kib, Max: gib, kind: kindBytes},
	"crawl.max_sitemap_bytes":   {Min: kib, Max: gib, kind: kindBytes},
	"crawl.max_links_per_page":  {Min: 1, Max: 10_000_000, ZeroOff: true},
	"crawl.retries":             ints(0, 20),
	"crawl.render_parallelism":  ints(1, 64),
	"crawl.render_timeout":      durs(time.Second, 10*time.Minute),
	"crawl.stop_grace":          durs(0, time.Hour),
	"crawl.trap_run_length":     {Min: 1, Max: 10_000_000, ZeroOff: true},
	"output.rotate.max_records": {Min: 1, Max: 1_000_000_000, ZeroOff: true},
	"output.rotate.max_bytes":   {Min: kib, Max: tib, ZeroOff: true, kind: kindBytes},
	"state.lease":               durs(time.Second, 24*time.Hour),
	"schedule.jitter":           durs(0, 24*time.Hour),
	"sites[].max_depth":         {Min: 1, Max: 10_000, ZeroOff: true},
	"sites[].max_pages":         {Min: 1, Max: 1_000_000_000, ZeroOff: true},
	"sites[].delay":             durs(0, time.Hour),
}

// BoundKeys lists the keys of Bounds, sorted.
func BoundKeys() []string {
	keys := make([]string, 0, len(Bounds))
	for k := range Bounds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// genericPath turns "sites[3].max_depth" into "sites[].max_depth", the key of Bounds.
func genericPath(path string) string {
	var sb strings.Builder
	skip := false
	for _, r := range path {
		switch {
		case r == '[':
			skip = true
			sb.WriteRune(r)
		case r == ']':
			skip = false
			sb.WriteRune(r)
		case !skip:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// show renders v as the key is written: "1h", "100ms", "1073741824 (1 GiB)", "20".
func (b Bound) show(v int64) string {
	switch b.kind {
	case kindDuration:
		if v == 0 {
			return "0"
		}
		return shortDuration(time.Duration(v))
	case kindBytes:
		for _, u := range []struct {
			n    int64
			name string
		}{{tib, "TiB"}, {gib, "GiB"}, {mib, "MiB"}, {kib, "KiB"}} {
			if v >= u.n && v%u.n == 0 {
				return fmt.Sprintf("%d (%d %s)", v, v/u.n, u.name)
			}
		}
	}
	return strconv.FormatInt(v, 10)
}

// shortDuration is d.String() without zero trailing units: 1h, 10m, 1m30s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Describe is the allowed range for people: "1–1000", "100ms–1h", "0 (no limit) or
// 1–10000".
func (b Bound) Describe() string {
	r := b.show(b.Min) + "–" + b.show(b.Max)
	if b.ZeroOff {
		return "0 (no limit) or " + r
	}
	return r
}

// check reports v outside the bound.
func (b Bound) check(v int64) error {
	switch {
	case b.ZeroOff && v == 0:
		return nil
	case v < b.Min && b.ZeroOff:
		return kindErr(ErrRange, "must be 0 (no limit) or ≥ "+b.show(b.Min))
	case v < b.Min:
		return kindErr(ErrRange, "must be ≥ "+b.show(b.Min))
	case v > b.Max:
		return kindErr(ErrRange, "must be ≤ "+b.show(b.Max))
	}
	return nil
}

// checkRaw checks a numeric key's value as written, before it is decoded (where a
// too large number would wrap around and a bare number would become nanoseconds).
// tag is the YAML tag of the scalar ("!!int", "!!float", "!!str", …), "" for a
// value from an environment variable. nil = the value is usable.
func (b Bound) checkRaw(text, tag string) error {
	if tag == "!!null" {
		return nil // no value: the decoder keeps the default
	}
	t := strings.TrimSpace(text)
	if b.kind == kindDuration {
		if tag == "!!int" || tag == "!!float" || isNumber(t) {
			if f, ok := parseNumber(t); ok && f == 0 {
				return b.check(0) // 0 is 0 in any unit
			}
			return kindErr(ErrType, fmt.Sprintf("a duration needs a unit: write %ss (or %sms, %sm)", t, t, t))
		}
		if tag == "!!bool" {
			return kindErr(ErrType, "must be a duration such as 500ms or 20s")
		}
		d, err := time.ParseDuration(t)
		if err != nil {
			return kindErr(ErrType, "must be a duration such as 500ms or 20s")
		}
		return b.check(int64(d))
	}
	if tag == "!!bool" || !isNumber(t) {
		return kindErr(ErrType, "must be an integer")
	}
	if n, err := strconv.ParseInt(t, 0, 64); err == nil {
		return b.check(n)
	}
	f, _ := parseNumber(t)
	switch {
	case math.IsInf(f, 0) || f > math.MaxInt64 || f < math.MinInt64:
		if f < 0 {
			return b.check(math.MinInt64)
		}
		return b.check(math.MaxInt64)
	case f != math.Trunc(f):
		return kindErr(ErrType, "must be a whole number")
	}
	return b.check(int64(f))
}

// parseNumber parses an integer (Go syntax: 0x1f, 1_000) or a decimal float (1e3);
// NaN and infinities written as words are not numbers.
func parseNumber(s string) (float64, bool) {
	if n, err := strconv.ParseInt(s, 0, 64); err == nil {
		return float64(n), true
	}
	word := strings.ToLower(strings.TrimLeft(s, "+-"))
	if strings.HasPrefix(word, "inf") || word == "nan" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		return f, true
	}
	return 0, false
}

func isNumber(s string) bool { _, ok := parseNumber(s); return ok }

// numbers lists every numeric field of c with its key path, value and bound (by
// reflection over the mapstructure tags, so a new numeric key cannot be missed).
func (c Config) numbers() []numField {
	var out []numField
	walkNumbers(reflect.ValueOf(c), "", &out)
	return out
}

type numField struct {
	path  string
	value int64
	bound Bound
}

func walkNumbers(v reflect.Value, prefix string, out *[]numField) {
	eachKey(v, prefix, func(path string, fv reflect.Value) {
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				return
			}
			fv = fv.Elem()
		}
		switch fv.Kind() {
		case reflect.Struct:
			walkNumbers(fv, path, out)
		case reflect.Slice:
			if fv.Type().Elem().Kind() == reflect.Struct {
				for j := range fv.Len() {
					walkNumbers(fv.Index(j), fmt.Sprintf("%s[%d]", path, j), out)
				}
			}
		case reflect.Int, reflect.Int64:
			// TestEveryNumericKeyHasABound keeps Bounds complete.
			if b, ok := Bounds[genericPath(path)]; ok {
				*out = append(*out, numField{path: path, value: fv.Int(), bound: b})
			}
		}
	})
}

// checkNumbers is Validate's range check of every numeric key.
func (c Config) checkNumbers() []error {
	var errs []error
	for _, n := range c.numbers() {
		if err := n.bound.check(n.value); err != nil {
			value := strconv.FormatInt(n.value, 10)
			if n.bound.kind == kindDuration {
				value = time.Duration(n.value).String()
			}
			errs = append(errs, fieldErr(n.path, value, err))
		}
	}
	return errs
}
