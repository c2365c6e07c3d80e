package output_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

// parts lists the numbered parts of a rotated output, in order.
func parts(path string) []string {
	var out []string
	for n := 1; ; n++ {
		p := output.NumberedPath(path, n)
		if _, err := os.Stat(p); err != nil {
			return out
		}
		out = append(out, p)
	}
}

// writeOutput opens spec, writes the records from..to-1 of recURL and closes it.
func writeOutput(t *testing.T, spec output.Spec, from, to int) {
	t.Helper()
	ctx := context.Background()
	s, err := output.OpenSpec(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < to; i++ {
		if err := s.Write(ctx, urlRec(recURL(i), i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// urlRec is a record of its own URL with i words of text.
func urlRec(url string, i int) *article.Article {
	a := &article.Article{URL: url, PageType: article.PageArticle, Title: "T " + url,
		Sections: []article.Section{{Blocks: []article.Block{{Type: article.BlockParagraph, Text: strings.Repeat("word ", i+1)}}}}}
	a.Finalize()
	return a
}

func recURL(i int) string { return fmt.Sprintf("https://health.example/a/%03d", i) }

// readOutput reads every record of the output at path (its parts under rotation).
func readOutput(t *testing.T, format, path string, rotated bool) []*article.Article {
	t.Helper()
	if !rotated {
		if format == "csv" {
			var got []*article.Article
			if err := output.ReadCSVRows(context.Background(), path, func(row []string) error {
				got = append(got, &article.Article{URL: row[2]})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		return readAll(t, format, path)
	}
	var got []*article.Article
	for _, p := range parts(path) {
		got = append(got, readAll(t, format, p)...)
	}
	return got
}

// A resumed run cuts every appendable output back to the position committed with
// SyncAll and goes on: whatever the killed run wrote after it (records not
// committed, a torn line or member) is gone, and the output holds every record
// once.
func TestResumeCutsBackToCommittedPosition(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, file, format string
		rotate             output.Rotate
	}{
		{"jsonl", "out.jsonl", "jsonl", output.Rotate{}},
		{"jsonl.gz", "out.jsonl.gz", "jsonl", output.Rotate{}},
		{"rotated jsonl", "out.jsonl", "jsonl", output.Rotate{MaxRecords: 2}},
		{"rotated jsonl.gz", "out.jsonl.gz", "jsonl", output.Rotate{MaxRecords: 2}},
		{"json", "out.json", "json", output.Rotate{}},
		{"csv", "out.csv", "csv", output.Rotate{}},
		{"parquet", "out.parquet", "parquet", output.Rotate{}},
		{"rotated json", "out.json", "json", output.Rotate{MaxRecords: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tc.file)
			spec := output.Spec{Path: path, Format: tc.format, Rotate: tc.rotate}
			s, err := output.OpenSpec(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if err := s.Write(ctx, urlRec(recURL(i), i)); err != nil {
					t.Fatal(err)
				}
			}
			pos, err := output.SyncAll(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			key := output.SpecKey(spec)
			if len(pos) != 1 || pos[key] == "" {
				t.Fatalf("SyncAll = %v, want one position under %q", pos, key)
			}
			committed, err := output.ParsePosition(pos[key])
			if err != nil {
				t.Fatal(err)
			}
			// records written after the commit, then the process is killed (no Close)
			for i := 3; i < 5; i++ {
				if err := s.Write(ctx, urlRec(recURL(i), i)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := output.SyncAll(ctx, s); err != nil { // on disk, not committed
				t.Fatal(err)
			}
			resumed, err := output.OpenSpec(ctx, output.Spec{Path: path, Format: tc.format, Rotate: tc.rotate, Append: true, Resume: &committed})
			if err != nil {
				t.Fatal(err)
			}
			for i := 3; i < 5; i++ {
				if err := resumed.Write(ctx, urlRec(recURL(i), i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := resumed.Close(ctx); err != nil {
				t.Fatal(err)
			}
			got := readOutput(t, tc.format, path, tc.rotate.Enabled())
			if len(got) != 5 {
				t.Fatalf("%d records, want 5", len(got))
			}
			for i, a := range got {
				if a.URL != recURL(i) {
					t.Errorf("record %d: %s, want %s", i, a.URL, recURL(i))
				}
			}
			assertClean(t, dir)
		})
	}
}

// assertClean fails when a temporary file, a spool or a merge directory is left.
func assertClean(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// gzip -dc and Go's gzip reader read a file cut at a committed offset whole.
func TestGzipCutAtCommitReadsEverywhere(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.jsonl.gz")
	spec := output.Spec{Path: path}
	s, err := output.OpenSpec(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	var committed output.Position
	for i := range 7 {
		if err := s.Write(ctx, urlRec(recURL(i), i)); err != nil {
			t.Fatal(err)
		}
		if i == 2 || i == 4 {
			pos, err := s.(output.Syncer).Sync(ctx)
			if err != nil {
				t.Fatal(err)
			}
			committed = pos
		}
	}
	if _, err := s.(output.Syncer).Sync(ctx); err != nil { // records 5, 6: uncommitted
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0}) // a torn member
	_ = f.Close()

	// Without a resume position, a torn member is refused, naming the file.
	if _, err := output.OpenSpec(ctx, spec); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "gzip member") {
		t.Errorf("append after a torn member: %v, want an error naming %s", err, path)
	}
	r, err := output.OpenSpec(ctx, output.Spec{Path: path, Append: true, Resume: &committed})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Write(ctx, urlRec(recURL(5), 5)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, "jsonl", path)
	if len(got) != 6 || got[5].URL != recURL(5) {
		t.Fatalf("%d records after resume, want 6", len(got))
	}
	if gz, err := exec.LookPath("gzip"); err == nil {
		out, err := exec.Command(gz, "-dc", path).Output()
		if err != nil {
			t.Fatalf("gzip -dc: %v", err)
		}
		if n := bytes.Count(out, []byte("\n")); n != 6 {
			t.Errorf("gzip -dc: %d lines, want 6", n)
		}
	}
	// A new run (no resume) appends a member after the complete ones.
	writeOutput(t, spec, 6, 7)
	if got := readAll(t, "jsonl", path); len(got) != 7 {
		t.Errorf("%d records after a new run, want 7", len(got))
	}
}

// A file shorter than its committed position was shrunk or replaced: the resume
// fails naming the file, its size and the committed offset, and leaves it alone.
func TestResumeRefusesShrunkFile(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"out.jsonl", "out.jsonl.gz", "out.json"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			target := path
			if name == "out.json" {
				target = output.SpoolPath(path)
			}
			if err := os.WriteFile(target, []byte("{}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := output.OpenSpec(ctx, output.Spec{Path: path, Append: true, Resume: &output.Position{Offset: 1000}})
			if err == nil {
				t.Fatal("want an error")
			}
			for _, want := range []string{target, "3 bytes", "1000"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if b, _ := os.ReadFile(target); string(b) != "{}\n" {
				t.Errorf("file changed to %q", b)
			}
		})
	}
}

// Without Overwrite a new run keeps what the output holds; with it, it starts over.
func TestDefaultKeepsOverwriteReplaces(t *testing.T) {
	for _, tc := range []struct{ file, format string }{
		{"out.jsonl", "jsonl"}, {"out.jsonl.gz", "jsonl"}, {"out.json", "json"}, {"out.csv", "csv"},
		{"out.parquet", "parquet"}, {"out.db", "sqlite"}, {"articles", "files"}, {"out.md", "markdown"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			run := func(overwrite bool, from, to int) {
				t.Helper()
				writeOutput(t, output.Spec{Path: path, Format: tc.format, Overwrite: overwrite}, from, to)
			}
			count := func() int {
				t.Helper()
				if tc.format == "markdown" {
					b, _ := os.ReadFile(path)
					return len(loadMarkdown(t, b)) // each document whole: appended after a separator
				}
				return len(readOutput(t, tc.format, path, false))
			}
			run(false, 0, 2)
			run(false, 2, 3)
			if n := count(); n != 3 {
				t.Errorf("new run without overwrite: %d records, want 3", n)
			}
			run(true, 3, 4)
			if n := count(); n != 1 {
				t.Errorf("overwrite: %d records, want 1", n)
			}
		})
	}
}

// A JSON Lines file appended to without a resume position first ends at a line
// boundary: a torn last line is cut off, a whole one gets its newline.
func TestJSONLAppendMendsLastLine(t *testing.T) {
	whole, _ := json.Marshal(urlRec(recURL(0), 0))
	for _, tc := range []struct {
		name, content string
		want          int
	}{
		{"torn", string(whole) + "\n" + `{"url":"https://health.exa`, 2},
		{"no newline", string(whole) + "\n" + string(whole), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.jsonl")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			writeOutput(t, output.Spec{Path: path}, 1, 2)
			if got := readAll(t, "jsonl", path); len(got) != tc.want || got[len(got)-1].URL != recURL(1) {
				t.Errorf("%d records, want %d ending with the new one", len(got), tc.want)
			}
		})
	}
}

// failingFile fails with ENOSPC once limit bytes are written, after writing part of
// the record (a half line); truncating fails too (the worst case).
type failingFile struct {
	*os.File
	limit int
}

func (f *failingFile) Write(p []byte) (int, error) {
	if len(p) <= f.limit {
		f.limit -= len(p)
		return f.File.Write(p)
	}
	n, _ := f.File.Write(p[:f.limit])
	f.limit = 0
	return n, syscall.ENOSPC
}

func (f *failingFile) Truncate(int64) error { return syscall.ENOSPC }

// A failed write breaks the sink for good, and the resume cuts the half line off:
// the file parses line by line and holds exactly the committed records.
func TestFailedWriteBreaksSinkAndResumeCuts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.jsonl")
	first, _ := json.Marshal(urlRec(recURL(0), 0))
	restore := output.SetFileWrapper(func(f *os.File) output.FileWriter {
		return &failingFile{File: f, limit: 3*len(first) + 3 + 40}
	})
	s, err := output.OpenSpec(ctx, output.Spec{Path: path})
	restore()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Write(ctx, urlRec(recURL(0), 0)); err != nil {
			t.Fatal(err)
		}
		_ = i
	}
	pos, err := output.SyncAll(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	committed, _ := output.ParsePosition(pos[output.SpecKey(output.Spec{Path: path})])
	if committed.Offset != int64(3*len(first)+3) {
		t.Fatalf("committed offset %d, want %d", committed.Offset, 3*len(first)+3)
	}
	err = s.Write(ctx, urlRec(recURL(1), 1))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write on a full disk: %v, want ENOSPC", err)
	}
	if err := s.Write(ctx, urlRec(recURL(2), 2)); err == nil {
		t.Error("write after a failed write: want the sticky error")
	}
	if _, err := output.SyncAll(ctx, s); err == nil {
		t.Error("sync after a failed write: want the sticky error")
	}
	if st, _ := os.Stat(path); st.Size() != committed.Offset+40 {
		t.Fatalf("file of %d bytes, want the committed %d and a 40-byte half line", st.Size(), committed.Offset)
	}
	r, err := output.OpenSpec(ctx, output.Spec{Path: path, Append: true, Resume: &committed})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var a article.Article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d lines, want the 3 committed", n)
	}
}

// The sqlite format upserts on url: one row per URL across writes, runs and
// reopenings, holding the latest record; Flush makes the rows durable.
func TestSQLiteUpsertsOnURL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.db")
	s, err := output.OpenSpec(ctx, output.Spec{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Write(ctx, urlRec(recURL(i), i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Write(ctx, urlRec(recURL(1), 10)); err != nil { // rewritten in the same run
		t.Fatal(err)
	}
	if _, err := output.SyncAll(ctx, s); err != nil {
		t.Fatal(err)
	}
	// flushed: a reader sees the rows while the sink is open
	if got := readAll(t, "sqlite", path); len(got) != 3 {
		t.Fatalf("after Flush: %d rows, want 3", len(got))
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s2, err := output.OpenSpec(ctx, output.Spec{Path: path, Append: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Write(ctx, urlRec(recURL(2), 20)); err != nil { // rewritten by a later run
		t.Fatal(err)
	}
	if err := s2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	words := map[string]int{}
	for _, a := range readAll(t, "sqlite", path) {
		if _, dup := words[a.URL]; dup {
			t.Errorf("two rows for %s", a.URL)
		}
		words[a.URL] = a.WordCount
		if len(a.Sections) != 1 || len(a.Sections[0].Blocks) != 1 {
			t.Errorf("%s: parts %+v, want those of the latest record only", a.URL, a.Sections)
		}
	}
	want := map[string]int{recURL(0): 1, recURL(1): 11, recURL(2): 21}
	for u, w := range want {
		if words[u] != w {
			t.Errorf("%s: %d words, want %d (the latest record)", u, words[u], w)
		}
	}
}

// The files format keeps its slug → URL map beside the files: two runs one after
// the other, with different URLs whose slugs collide, never overwrite each other's
// files (the map used to live in memory: 10 of 600 articles were lost that way).
func TestFilesMapPersistsAcrossRuns(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "articles")
	mk := func(host string, i int) *article.Article {
		a := urlRec(fmt.Sprintf("https://%s/x/%d/same-slug", host, i%3), i)
		a.Site = "site"
		a.PublishedAt = "2024-03-18"
		return a
	}
	run := func(host string) {
		t.Helper()
		s, err := output.OpenSpec(ctx, output.Spec{Path: dir, Format: "files"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := s.Write(ctx, mk(host, i)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := output.SyncAll(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	run("a.example")
	run("b.example") // 3 new URLs, same slugs
	run("a.example") // the first URLs again: their own files
	// a torn index line (a kill while appending) is tolerated
	idx := filepath.Join(dir, output.FilesIndexName)
	f, _ := os.OpenFile(idx, os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"path":"site/2024/03/same-sl`)
	_ = f.Close()
	run("b.example")

	got := readAll(t, "files", dir)
	if len(got) != 6 {
		t.Fatalf("%d files, want 6 (one per URL)", len(got))
	}
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var a article.Article
		if err := json.Unmarshal(b, &a); err != nil {
			return err
		}
		if seen[a.URL] {
			t.Errorf("%s in two files", a.URL)
		}
		seen[a.URL] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"a.example", "b.example"} {
		for i := range 3 {
			if u := mk(host, i).URL; !seen[u] {
				t.Errorf("%s lost", u)
			}
		}
	}
}

// Stale temporary files and an interrupted conversion are dealt with on open:
// temporaries removed, a merge directory whose spool is gone promoted into place.
func TestWholeFormatRecoversInterruptedConversion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	stale := filepath.Join(dir, ".out.json.tmp-123")
	if err := os.WriteFile(stale, []byte("[\n{"), 0o644); err != nil {
		t.Fatal(err)
	}
	// a conversion killed after the spool was removed (step 3 cut short)
	md := filepath.Join(dir, ".out.json.merge")
	if err := os.Mkdir(md, 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal([]*article.Article{urlRec(recURL(0), 0)})
	if err := os.WriteFile(filepath.Join(md, "out.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	writeOutput(t, output.Spec{Path: path}, 1, 2)
	if got := readAll(t, "json", path); len(got) != 2 || got[0].URL != recURL(0) || got[1].URL != recURL(1) {
		t.Errorf("%d records, want the promoted one and the new one", len(got))
	}
	assertClean(t, dir)
}

// Abort (an output that failed with others, a crawl stopped on an error) keeps the
// spool of a whole-file format: its records are in the final file after the next
// run, resumed or not; an empty spool is removed.
func TestWholeFormatAbortKeepsSpool(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	s, err := output.OpenSpec(ctx, output.Spec{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.Write(ctx, urlRec(recURL(i), i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := output.SyncAll(ctx, s); err != nil {
		t.Fatal(err)
	}
	output.Abort(ctx, s)
	if _, err := os.Stat(path); err == nil {
		t.Fatal("aborted output has a final file")
	}
	if _, err := os.Stat(output.SpoolPath(path)); err != nil {
		t.Fatalf("spool gone after Abort: %v", err)
	}
	writeOutput(t, output.Spec{Path: path}, 2, 3)
	got := readOutput(t, "csv", path, false)
	if len(got) != 3 || got[0].URL != recURL(0) || got[2].URL != recURL(2) {
		t.Errorf("%d rows, want the 2 spooled and the new one", len(got))
	}
	assertClean(t, dir)

	empty, err := output.OpenSpec(ctx, output.Spec{Path: filepath.Join(dir, "empty.json")})
	if err != nil {
		t.Fatal(err)
	}
	output.Abort(ctx, empty)
	assertClean(t, dir)
	if _, err := os.Stat(filepath.Join(dir, "empty.json")); err == nil {
		t.Error("aborted empty output has a final file")
	}
}
