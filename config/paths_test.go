package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestExpandPath(t *testing.T) {
	at := time.Date(2026, 12, 4, 9, 30, 5, 0, time.FixedZone("X", 3600))
	v := PathVars{Site: "blog", Run: 7, Start: at}
	for _, tc := range []struct{ in, want string }{
		{"out/{site}-{run}-{date}.jsonl", "out/blog-7-2026-12-04T083005Z.jsonl"},
		{"out/run-{run}/errors.jsonl", "out/run-7/errors.jsonl"},
		{"out/plain.jsonl", "out/plain.jsonl"},
		{"-", "-"},
		{"", ""},
	} {
		if got := ExpandPath(tc.in, v); got != tc.want {
			t.Errorf("ExpandPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := ExpandPath("o/{site}-{run}.jsonl", PathVars{Start: at}); got != "o/{site}-1.jsonl" {
		t.Errorf("no site, no run: got %q, want {site} kept and run 1", got)
	}
	o := Output{Path: "a-{run}.jsonl", ErrorsPath: "e-{run}.jsonl", Sinks: []Sink{{Path: "s-{run}.db"}}}
	got := o.Expand(v)
	if got.Path != "a-7.jsonl" || got.ErrorsPath != "e-7.jsonl" || got.Sinks[0].Path != "s-7.db" {
		t.Errorf("Output.Expand = %+v", got)
	}
	if o.Sinks[0].Path != "s-{run}.db" {
		t.Errorf("Output.Expand changed the original's sinks: %q", o.Sinks[0].Path)
	}
	if p := got.Paths(); len(p) != 3 || p[0] != "a-7.jsonl" || p[1] != "s-7.db" || p[2] != "e-7.jsonl" {
		t.Errorf("Paths = %v", p)
	}
}

// SafePathName keeps ordinary names and maps every other one into one path element
// that cannot leave its folder (the mapping README documents).
func TestSafePathName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"nhs-uk", "nhs-uk"},
		{"Mayo_Clinic", "Mayo_Clinic"},
		{"site.v2", "site.v2"},
		{"santé-publique", "santé-publique"},
		{"My Site", "My_Site"},
		{"../evil", "___evil"},
		{"..", "__"},
		{".", "_"},
		{".hidden", "_hidden"},
		{"a..b", "a._b"},
		{"a/b\\c", "a_b_c"},
		{"/etc/passwd", "_etc_passwd"},
		{"x\x00y\ny\x7f", "x_y_y_"},
		{"bad\xffutf8", "bad_utf8"},
		{"C:evil", "C_evil"},
		{"", "_"},
		{strings.Repeat("é", 100), strings.Repeat("é", MaxPathNameBytes/2)},
	} {
		got := SafePathName(tc.in)
		if got != tc.want {
			t.Errorf("SafePathName(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, "..") || strings.ContainsAny(got, "/\\") || got == "." || len(got) > MaxPathNameBytes || !utf8.ValidString(got) {
			t.Errorf("SafePathName(%q) = %q is not one safe path element", tc.in, got)
		}
	}
}

// {site} is expanded with the path-safe name: a hostile name stays inside the
// output folder.
func TestExpandPathSiteIsPathSafe(t *testing.T) {
	at := time.Date(2026, 12, 4, 9, 30, 5, 0, time.UTC)
	for _, site := range []string{"../../etc", "a/../../b", "..", "x/\x00/y", "/abs"} {
		got := ExpandPath("out/{site}/{date}.jsonl", PathVars{Site: site, Start: at})
		rel, err := filepath.Rel("out", filepath.Clean(got))
		if err != nil || strings.HasPrefix(rel, "..") || strings.Count(rel, string(filepath.Separator)) != 1 {
			t.Errorf("site %q: %q leaves out/ or adds folders (rel %q)", site, got, rel)
		}
	}
}

// FuzzSafePathName: any name gives one non-empty path element with no "..", no
// separator, no control character, within MaxPathNameBytes, valid UTF-8.
func FuzzSafePathName(f *testing.F) {
	for _, s := range []string{"", "..", "../x", "a/b", "é\x00", "\xff\xfe", "con"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := SafePathName(name)
		if got == "" || got == "." || strings.Contains(got, "..") || strings.ContainsAny(got, "/\\") ||
			len(got) > MaxPathNameBytes || !utf8.ValidString(got) || strings.HasPrefix(got, ".") {
			t.Fatalf("SafePathName(%q) = %q", name, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) {
				t.Fatalf("SafePathName(%q) = %q holds a control character", name, got)
			}
		}
	})
}
