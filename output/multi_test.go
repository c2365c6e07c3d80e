package output_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

func writeAll(t *testing.T, s output.Sink, recs []*article.Article) {
	t.Helper()
	ctx := context.Background()
	for _, a := range recs {
		if err := s.Write(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Write(ctx, recs[0]); !errors.Is(err, output.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

func readAll(t *testing.T, format, path string) []*article.Article {
	t.Helper()
	var got []*article.Article
	if err := output.Read(context.Background(), format, path, func(a *article.Article) error {
		got = append(got, a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// Every format that carries whole records reads back equal to what was written, in
// every field, through OpenSpec (format from the flag or the extension).
func TestRoundTripEveryFormat(t *testing.T) {
	want := richRecords(7)
	for _, tc := range []struct{ format, name string }{
		{"jsonl", "out.jsonl"},
		{"jsonl", "out.jsonl.gz"},
		{"", "guessed.jsonl.gz"},
		{"json", "out.json"},
		{"", "guessed.json"},
		{"parquet", "out.parquet"},
		{"sqlite", "out.db"},
		{"", "guessed.sqlite"},
		{"files", "tree"},
	} {
		t.Run(tc.format+"/"+tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.name)
			s, err := output.OpenSpec(context.Background(), output.Spec{Path: path, Format: tc.format})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, s, want)
			got := readAll(t, "", path)
			wantOrder := want
			if tc.format == "files" { // read back in path order
				got = sortByURL(got)
				wantOrder = sortByURL(want)
			}
			if d := diffRecords(wantOrder, got); d != "" {
				t.Errorf("round trip (-want +got):\n%s", d)
			}
			if left := tempFiles(t, filepath.Dir(path)); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

func sortByURL(recs []*article.Article) []*article.Article {
	out := slices.Clone(recs)
	slices.SortFunc(out, func(a, b *article.Article) int { return strings.Compare(a.Source, b.Source) })
	return out
}

// Each Sync ends a gzip member: the file read up to a synced position holds exactly
// the records written before it.
func TestGzipIsOneMemberPerSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl.gz")
	s, err := output.OpenSpec(context.Background(), output.Spec{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	recs := richRecords(5)
	ctx := context.Background()
	var offs []int64
	for i, a := range recs {
		if err := s.Write(ctx, a); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 { // members of 2, 2 and 1 records
			continue
		}
		pos, err := s.(output.Syncer).Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		offs = append(offs, pos.Offset)
		// After a Sync, the file reads back as the records written so far.
		if got := readAll(t, "jsonl", path); len(got) != i+1 {
			t.Fatalf("after %d writes and a sync: %d records readable", i+1, len(got))
		}
	}
	_ = s.Close(ctx)
	data, _ := os.ReadFile(path)
	if int64(len(data)) != offs[len(offs)-1] {
		t.Errorf("file of %d bytes, last sync at %d", len(data), offs[len(offs)-1])
	}
	for i, off := range offs {
		cut := filepath.Join(t.TempDir(), "cut.jsonl.gz")
		if err := os.WriteFile(cut, data[:off], 0o644); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, "jsonl", cut); len(got) != 2*i+1 || got[2*i].URL != recs[2*i].URL {
			t.Errorf("prefix up to sync %d: %d records, want %d", i, len(got), 2*i+1)
		}
	}
}

func TestMultiWritesEverySink(t *testing.T) {
	dir := t.TempDir()
	specs := []output.Spec{
		{Path: filepath.Join(dir, "a.jsonl")},
		{Path: filepath.Join(dir, "b.parquet")},
		{Path: filepath.Join(dir, "c.db"), Format: "sqlite"},
	}
	s, err := output.OpenSpecs(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	want := richRecords(4)
	writeAll(t, s, want)
	for _, sp := range specs {
		if d := diffRecords(want, readAll(t, "", sp.Path)); d != "" {
			t.Errorf("%s (-want +got):\n%s", sp.Path, d)
		}
	}
}

// When one spec cannot be opened, the sinks already opened are aborted: no whole-file
// output appears under its final name.
func TestOpenSpecsFailureAbortsOthers(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := output.OpenSpecs(context.Background(), []output.Spec{
		{Path: filepath.Join(dir, "a.json")},
		{Path: filepath.Join(blocker, "b.csv")},
	})
	if err == nil {
		t.Fatal("want an error")
	}
	assertNoFile(t, filepath.Join(dir, "a.json"))
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if _, err := output.OpenSpec(context.Background(), output.Spec{Path: "x", Format: "nope"}); !errors.Is(err, output.ErrUnknownFormat) {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := output.OpenSpec(context.Background(), output.Spec{Path: "-", Format: "parquet"}); err == nil {
		t.Error("parquet to standard output: want an error")
	}
}

// Every format takes concurrent writers (the crawler's workers share one sink):
// each record arrives once, whole.
func TestConcurrentWritesEveryFormat(t *testing.T) {
	recs := richRecords(40)
	for i, a := range recs {
		a.URL = "https://health.example/c/" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + "-" + strings.Repeat("y", i)
	}
	for _, name := range []string{"c.jsonl", "c.jsonl.gz", "c.json", "c.parquet", "c.db"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			s, err := output.OpenSpec(context.Background(), output.Spec{Path: path, Rotate: output.Rotate{MaxRecords: 7}})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for _, a := range recs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := s.Write(context.Background(), a); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if err := s.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, p := range parts(path) {
				for _, a := range readAll(t, "", p) {
					seen[a.URL]++
				}
			}
			for _, a := range recs {
				if seen[a.URL] != 1 {
					t.Errorf("%s written %d times", a.URL, seen[a.URL])
				}
			}
		})
	}
}
