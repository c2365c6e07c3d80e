package config

import (
	"testing"
	"time"
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
