package output_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

// A resumed crawl opens its outputs with Append: the records the interrupted run
// wrote stay, the new ones follow; without Append the output starts empty.
func TestAppendKeepsEarlierRecords(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, format, file string
		rotate             output.Rotate
	}{
		{"jsonl", "jsonl", "out.jsonl", output.Rotate{}},
		{"jsonl.gz", "jsonl", "out.jsonl.gz", output.Rotate{}},
		{"sqlite", "sqlite", "out.db", output.Rotate{}},
		{"rotated json", "json", "out.json", output.Rotate{MaxRecords: 2}},
		{"rotated jsonl", "jsonl", "out.jsonl", output.Rotate{MaxRecords: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			write := func(appendTo bool, from, to int) {
				t.Helper()
				s, err := output.OpenSpec(ctx, output.Spec{Path: path, Format: tc.format, Rotate: tc.rotate, Append: appendTo})
				if err != nil {
					t.Fatal(err)
				}
				for i := from; i < to; i++ {
					if err := s.Write(ctx, rec(i)); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.Close(ctx); err != nil {
					t.Fatal(err)
				}
			}
			count := func() int {
				t.Helper()
				paths := []string{path}
				if tc.rotate.Enabled() {
					paths = nil
					for n := 1; ; n++ {
						p := output.NumberedPath(path, n)
						if _, err := os.Stat(p); err != nil {
							break
						}
						paths = append(paths, p)
					}
				}
				n := 0
				for _, p := range paths {
					if err := output.Read(ctx, tc.format, p, func(*article.Article) error { n++; return nil }); err != nil {
						t.Fatalf("read %s: %v", p, err)
					}
				}
				return n
			}
			write(false, 0, 3) // the interrupted run
			write(true, 3, 5)  // the resumed run
			if got := count(); got != 5 {
				t.Errorf("after resume: %d records, want 5 (3 kept + 2 new)", got)
			}
			write(false, 0, 1) // a fresh run starts over
			if got := count(); !tc.rotate.Enabled() && got != 1 {
				t.Errorf("fresh run: %d records, want 1", got)
			}
		})
	}
}
