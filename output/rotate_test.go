package output_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

func TestNumberedPath(t *testing.T) {
	for in, want := range map[string]string{
		"out/records.jsonl":    "out/records-00007.jsonl",
		"out/records.jsonl.gz": "out/records-00007.jsonl.gz",
		"records":              "records-00007",
		"out/.hidden":          "out/.hidden-00007",
		"a.b/data.parquet":     "a.b/data-00007.parquet",
	} {
		if got := filepath.ToSlash(output.NumberedPath(filepath.FromSlash(in), 7)); got != want {
			t.Errorf("NumberedPath(%s) = %s, want %s", in, got, want)
		}
	}
}

// Rotation by records and by bytes gives numbered files that together hold every
// record once, in order; each whole-file part is complete.
func TestRotation(t *testing.T) {
	want := richRecords(23)
	for _, tc := range []struct {
		format string
		rot    output.Rotate
		files  int
	}{
		{"jsonl", output.Rotate{MaxRecords: 10}, 3},
		{"json", output.Rotate{MaxRecords: 10}, 3},
		{"parquet", output.Rotate{MaxRecords: 5}, 5},
		{"sqlite", output.Rotate{MaxRecords: 20}, 2},
		{"jsonl", output.Rotate{MaxBytes: 3000}, 0}, // a few records a file
	} {
		t.Run(fmt.Sprintf("%s/%+v", tc.format, tc.rot), func(t *testing.T) {
			dir := t.TempDir()
			base := filepath.Join(dir, "out."+map[string]string{"jsonl": "jsonl.gz", "json": "json", "parquet": "parquet", "sqlite": "db"}[tc.format])
			s, err := output.OpenSpec(context.Background(), output.Spec{Path: base, Format: tc.format, Rotate: tc.rot})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, s, want)
			paths := parts(base)
			if tc.files > 0 && len(paths) != tc.files {
				t.Errorf("%d files, want %d: %v", len(paths), tc.files, paths)
			}
			var got []*article.Article
			for i, p := range paths {
				if p != output.NumberedPath(base, i+1) {
					t.Errorf("file %d is %s", i+1, p)
				}
				part := readAll(t, tc.format, p)
				if tc.rot.MaxRecords > 0 && i < len(paths)-1 && len(part) != tc.rot.MaxRecords {
					t.Errorf("%s holds %d records, want %d", p, len(part), tc.rot.MaxRecords)
				}
				if tc.rot.MaxBytes > 0 {
					st, _ := os.Stat(p)
					if st.Size() > tc.rot.MaxBytes+3000 || len(part) == 0 {
						t.Errorf("%s: %d bytes, %d records (max_bytes %d)", p, st.Size(), len(part), tc.rot.MaxBytes)
					}
				}
				got = append(got, part...)
			}
			if tc.rot.MaxBytes > 0 && len(paths) < 3 {
				t.Errorf("max_bytes rotation made only %d files", len(paths))
			}
			if d := diffRecords(want, got); d != "" {
				t.Errorf("records over all files (-want +got):\n%s", d)
			}
			if _, err := os.Stat(base); err == nil {
				t.Errorf("unnumbered %s exists", base)
			}
		})
	}
	if _, err := output.OpenSpec(context.Background(), output.Spec{Path: t.TempDir(), Format: "files", Rotate: output.Rotate{MaxRecords: 1}}); err == nil {
		t.Error("files format with rotation: want an error")
	}
	if _, err := output.OpenSpec(context.Background(), output.Spec{Path: "x.jsonl", Rotate: output.Rotate{MaxBytes: -1}}); err == nil ||
		!strings.Contains(err.Error(), "max_bytes") {
		t.Errorf("negative max_bytes: %v", err)
	}
}

const killEnv = "HEALTHCRAWL_OUTPUT_KILL_HELPER"

// TestMain lets the test binary act as a writer process for TestKilledMidWrite.
func TestMain(m *testing.M) {
	if spec := os.Getenv(killEnv); spec != "" {
		os.Exit(killHelper(spec))
	}
	os.Exit(m.Run())
}

// killHelper writes records forever to FORMAT:PATH with rotation every 40 records,
// committing every 10 records: it prints "commit N POSITION" after each SyncAll
// (N records written so far), until it is killed.
func killHelper(spec string) int {
	format, path, _ := strings.Cut(spec, ":")
	ctx := context.Background()
	s, err := output.OpenSpec(ctx, output.Spec{Path: path, Format: format, Rotate: output.Rotate{MaxRecords: 40}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	key := output.SpecKey(output.Spec{Path: path, Format: format})
	recs := richRecords(40)
	for i := 1; ; i++ {
		a := recs[i%len(recs)].Clone()
		a.URL = fmt.Sprintf("https://health.example/k/%d", i)
		if err := s.Write(ctx, a); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 4
		}
		if i%10 == 0 {
			pos, err := output.SyncAll(ctx, s)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 5
			}
			fmt.Printf("commit %d %s\n", i, pos[key])
		}
	}
}

// A writer process killed with SIGKILL in the middle of writing, then resumed from
// its last committed position, leaves exactly the committed records, every file
// parsing whole: whole-file formats only ever appear complete (spool, then
// conversion on Close), jsonl(.gz) parts are cut back to the committed offset.
func TestKilledMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	for _, tc := range []struct{ format, name string }{
		{"json", "out.json"}, {"csv", "out.csv"}, {"parquet", "out.parquet"},
		{"sqlite", "out.db"}, {"jsonl", "out.jsonl.gz"}, {"jsonl", "out.jsonl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tc.name)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), killEnv+"="+tc.format+":"+path)
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			committed, pos := 0, ""
			for committed < 135 && sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) >= 2 && f[0] == "commit" {
					committed, _ = strconv.Atoi(f[1])
				}
				if len(f) == 3 {
					pos = f[2]
				}
			}
			// The writer is busy with file 4: kill it there.
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			if committed < 135 {
				t.Fatalf("helper stopped after %d commits", committed)
			}
			spec := output.Spec{Path: path, Format: tc.format, Rotate: output.Rotate{MaxRecords: 40}, Append: true}
			if pos != "" {
				p, err := output.ParsePosition(pos)
				if err != nil {
					t.Fatal(err)
				}
				spec.Resume = &p
			}
			s, err := output.OpenSpec(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, e := range ents {
				p := filepath.Join(dir, e.Name())
				if strings.HasSuffix(e.Name(), "-wal") || strings.HasSuffix(e.Name(), "-shm") || strings.HasSuffix(e.Name(), "-journal") {
					continue // SQLite's own side files
				}
				if strings.HasPrefix(e.Name(), ".") {
					t.Errorf("left behind: %s", e.Name())
					continue
				}
				total += parseCount(t, tc.format, p)
			}
			if tc.format == "sqlite" { // upserted, committed by Flush: at least the committed ones
				if total < committed {
					t.Errorf("%d records, want ≥ %d", total, committed)
				}
				return
			}
			if total != committed {
				t.Errorf("%d records over all files, want the %d committed (%v)", total, committed, ents)
			}
		})
	}
}

// parseCount parses the whole file at path and returns its record count.
func parseCount(t *testing.T, format, p string) int {
	t.Helper()
	if format == "csv" {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := csv.NewReader(f)
		r.FieldsPerRecord = len(output.CSVColumns)
		rows, err := r.ReadAll()
		if err != nil {
			t.Errorf("%s does not parse: %v", p, err)
		}
		return len(rows) - 1
	}
	n := 0
	if err := output.Read(context.Background(), format, p, func(*article.Article) error { n++; return nil }); err != nil {
		t.Errorf("%s does not parse: %v", p, err)
	}
	return n
}
