package crawler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/healthcrawl/healthcrawl/store"
)

// diskSink is a JSON Lines output on a disk with room for budget bytes: the write
// that does not fit writes what fits (a torn line, as a real full disk does) and
// fails with ENOSPC. It is an output.Syncer, and it opens truncated to a committed
// position, as the product's JSON Lines sink does.
type diskSink struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	n      int64
	budget int64 // < 0: unlimited
	synced int
}

func openDiskSink(t *testing.T, path string, budget int64, at *output.Position) *diskSink {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	n := fi.Size()
	if at != nil {
		if err := f.Truncate(at.Offset); err != nil {
			t.Fatal(err)
		}
		n = at.Offset
	}
	if _, err := f.Seek(n, 0); err != nil {
		t.Fatal(err)
	}
	return &diskSink{f: f, path: path, n: n, budget: budget}
}

func (d *diskSink) Key() string { return output.SpecKey(output.Spec{Path: d.path, Format: "jsonl"}) }

func (d *diskSink) Write(ctx context.Context, a *article.Article) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.budget >= 0 && d.n+int64(len(b)) > d.budget {
		room := max(d.budget-d.n, 0)
		w, _ := d.f.Write(b[:room])
		d.n += int64(w)
		return fmt.Errorf("write output %s: %w", d.path, syscall.ENOSPC)
	}
	w, err := d.f.Write(b)
	d.n += int64(w)
	return err
}

func (d *diskSink) Sync(ctx context.Context) (output.Position, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.synced++
	return output.Position{Offset: d.n}, d.f.Sync()
}

func (d *diskSink) Close(ctx context.Context) error { return d.f.Close() }

// A disk that fills up mid-crawl: the run fails naming ENOSPC, no record whose write
// failed is counted or marked emitted, and once there is room the resumed run
// (truncating the output back to the last commit) writes exactly the missing
// records: every article once, every line whole.
func TestDiskFullThenResume(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	cfg := sampleConfig(t, srv.URL)
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := filepath.Join(dir, "out.jsonl")

	full := openDiskSink(t, out, 30_000, nil) // room for a few records only
	sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: full, Store: st, Logger: testLogger(t)})
	full.Close(ctx)
	if err == nil || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("run on a full disk returned %v, want an error wrapping ENOSPC", err)
	}
	if sum.Errors == 0 || sum.Reasons[CatFailed]["sink error"] == 0 {
		t.Errorf("summary errors %d, reasons %v: want the records that could not be written filed as sink errors", sum.Errors, sum.Reasons[CatFailed])
	}
	b, _ := os.ReadFile(out)
	whole := bytes.Count(b, []byte("\n"))
	if whole == 0 || whole >= len(sample.ArticlePaths()) {
		t.Fatalf("the full disk took %d whole records, want some but not all", whole)
	}
	if sum.Articles > whole {
		t.Errorf("summary counts %d articles written, the file holds %d whole records", sum.Articles, whole)
	}
	stats, err := st.Stats(ctx, "sample-health")
	if err != nil {
		t.Fatal(err)
	}
	if !stats.Running || stats.Emitted > int64(whole) {
		t.Errorf("state after the failed run: running %v, emitted %d; want a run to resume and at most the %d records on disk emitted", stats.Running, stats.Emitted, whole)
	}

	// Space freed: resume on the same file.
	pos, err := st.Positions(ctx, DefaultWorker)
	if err != nil {
		t.Fatal(err)
	}
	key := (&diskSink{path: out}).Key()
	p, err := output.ParsePosition(pos[key])
	if err != nil {
		t.Fatalf("committed position of %s: %v (positions %v)", key, err, pos)
	}
	again := openDiskSink(t, out, -1, &p)
	sum2, err := RunJob(ctx, JobOptions{Config: cfg, Sink: again, Store: st, Logger: testLogger(t)})
	again.Close(ctx)
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if !sum2.Resumed {
		t.Error("second run did not resume the failed one")
	}
	recs := readRecords(t, out) // fails on a torn line
	count := map[string]int{}
	for _, a := range recs {
		count[pathOf(t, a.URL)]++
	}
	var bad []string
	for _, ap := range sample.ArticlePaths() {
		if count[ap] != 1 {
			bad = append(bad, fmt.Sprintf("%s ×%d", ap, count[ap]))
		}
	}
	if len(bad) > 0 || len(recs) != len(sample.ArticlePaths()) {
		t.Errorf("after resume the output holds %d records (want %d, each once): %s", len(recs), len(sample.ArticlePaths()), strings.Join(bad, ", "))
	}
	if committed := bytes.Count(b[:p.Offset], []byte("\n")); sum2.Articles != len(recs)-committed {
		t.Errorf("resumed run wrote %d articles, want the %d missing (%d committed before the disk filled)", sum2.Articles, len(recs)-committed, committed)
	}
	if again.synced == 0 {
		t.Error("the resumed run never synced its output before committing")
	}
}
