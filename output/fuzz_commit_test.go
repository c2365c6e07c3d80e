package output

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

// FuzzParsePosition: any text either parses into a position that prints back to
// itself, or is an error; never a panic.
func FuzzParsePosition(f *testing.F) {
	for _, s := range []string{"0:0", "3:12345", "", ":", "-1:5", "1:-5", "9999999999999999999:1", "1:2:3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePosition(s)
		if err != nil {
			return
		}
		if q, err := ParsePosition(p.String()); err != nil || q != p {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, p, p.String(), q, err)
		}
	})
}

// FuzzFilesIndex: whatever a files directory's index holds (a torn line, garbage,
// paths that try to leave the directory), opening the output fails with an error
// or works, and a record written then lands inside the directory.
func FuzzFilesIndex(f *testing.F) {
	f.Add([]byte(`{"url":"https://a/x","path":"s/2026/01/x.json"}` + "\n" + `{"url":"https://a/y","pa`))
	f.Add([]byte(`{"url":"https://a/x","path":"../../etc/passwd"}` + "\n"))
	f.Add([]byte("\x00\xff\n\n{}\n"))
	f.Fuzz(func(t *testing.T, idx []byte) {
		base := t.TempDir()
		dir := filepath.Join(base, "out")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, FilesIndexName), idx, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := NewFilesSink(dir)
		if err != nil {
			return
		}
		a := &article.Article{SchemaVersion: 1, URL: "https://a/x", Site: "s", Title: "T"}
		if err := s.Write(context.Background(), a); err != nil {
			_ = s.Close(context.Background())
			return
		}
		if err := s.Close(context.Background()); err != nil {
			t.Fatalf("close: %v", err)
		}
		_ = filepath.Walk(base, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() && filepath.Ext(p) == ".json" && !within(dir, p) {
				t.Fatalf("a record file outside the directory: %s", p)
			}
			return nil
		})
	})
}

// FuzzAppendToExisting: an existing jsonl / jsonl.gz output holding anything (a
// torn last line or member, garbage) is either refused with an error or appended
// to so that the record written is read back whole.
func FuzzAppendToExisting(f *testing.F) {
	f.Add([]byte(`{"schema_version":1,"url":"https://a/1"}`+"\n"+`{"schema_ver`), false)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"schema_version":1,"url":"https://a/1"}` + "\n"))
	zw.Close()
	f.Add(gz.Bytes()[:gz.Len()-5], true)
	f.Add(gz.Bytes(), true)
	f.Fuzz(func(t *testing.T, existing []byte, gzipped bool) {
		name := "out.jsonl"
		if gzipped {
			name += ".gz"
		}
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, existing, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := OpenSpec(context.Background(), Spec{Path: path})
		if err != nil {
			return
		}
		a := &article.Article{SchemaVersion: 1, URL: "https://a/new", Title: "New"}
		if err := s.Write(context.Background(), a); err != nil {
			t.Fatalf("write: %v", err)
		}
		if err := s.Close(context.Background()); err != nil {
			t.Fatalf("close: %v", err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if gzipped {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("appended gzip output does not start with a gzip member: %v", err)
			}
			var out bytes.Buffer
			if _, err := out.ReadFrom(zr); err != nil {
				t.Fatalf("appended gzip output does not decompress: %v", err)
			}
			b = out.Bytes()
		}
		if !bytes.HasSuffix(b, []byte(`"url":"https://a/new","title":"New"}`+"\n")) && !bytes.Contains(b, []byte(`"https://a/new"`)) {
			t.Fatalf("the record written is not at the end of the output: %q", b[max(0, len(b)-200):])
		}
		// The last line must be the whole new record.
		lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
		if last := lines[len(lines)-1]; !bytes.Contains(last, []byte(`"https://a/new"`)) || last[0] != '{' {
			t.Fatalf("last line %q is not the new record alone", last)
		}
	})
}
