package spill

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLogRoundTrip(t *testing.T) {
	dir := t.TempDir()
	l := &Log{Dir: dir}
	var refs []Ref
	var want [][]byte
	for i := range 20000 { // ~1 MB: many flushes
		b := []byte(fmt.Sprintf("https://example.com/article/%d?x=%s", i, bytes.Repeat([]byte{'a' + byte(i%26)}, i%40)))
		r, err := l.Append(b[:5], b[5:])
		if err != nil {
			t.Fatal(err)
		}
		if r.Len() != len(b) {
			t.Fatalf("ref len %d, want %d", r.Len(), len(b))
		}
		refs, want = append(refs, r), append(want, b)
	}
	big := bytes.Repeat([]byte("z"), 3*bufSize) // a record larger than the buffer
	rb, err := l.Append(big)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := l.AppendString("tail still in the buffer")
	if err != nil {
		t.Fatal(err)
	}
	if r0, err := l.AppendString(""); err != nil || r0 != 0 {
		t.Fatalf("empty record: %v %v", r0, err)
	}
	for i, r := range refs {
		got, err := l.Read(r, nil)
		if err != nil || !bytes.Equal(got, want[i]) {
			t.Fatalf("record %d: %q %v, want %q", i, got, err, want[i])
		}
	}
	if got, err := l.Read(rb, []byte("p")); err != nil || !bytes.Equal(got[1:], big) || got[0] != 'p' {
		t.Fatalf("big record: %d bytes, %v", len(got), err)
	}
	if s, err := l.ReadString(rs); err != nil || s != "tail still in the buffer" {
		t.Fatalf("buffered record: %q %v", s, err)
	}
	if l.Size() < 1<<20 {
		t.Fatalf("Size = %d", l.Size())
	}
	// The file is unlinked while open: nothing is left in dir.
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("spill dir holds %d files, want 0", len(ents))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append([]byte("x")); err != ErrClosed {
		t.Fatalf("Append after Close: %v", err)
	}
	if _, err := l.Read(refs[0], nil); err == nil {
		t.Fatal("Read after Close: no error")
	}
}

func TestLogBadDirAndRef(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	l := &Log{Dir: dir}
	defer l.Close()
	r, err := l.Append(bytes.Repeat([]byte("x"), bufSize)) // fits the buffer: no file yet
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Append([]byte("y")) // flushes: the file cannot be created
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(dir)) {
		t.Fatalf("want an error naming %s, got %v", dir, err)
	}
	if _, err2 := l.Append([]byte("z")); err2 == nil {
		t.Fatal("a failed log accepted a record")
	}
	if got, err := l.Read(r, nil); err != nil || len(got) != bufSize {
		t.Fatalf("buffered record after a failed flush: %d bytes, %v", len(got), err)
	}
	if _, err := l.Read(Ref(1<<30)<<24|5, nil); err == nil {
		t.Fatal("a ref beyond the end read without error")
	}
	if _, err := l.Append(make([]byte, MaxRecord+1)); err == nil {
		t.Fatal("an oversized record was accepted")
	}
}

func TestLogConcurrent(t *testing.T) {
	l := &Log{Dir: t.TempDir()}
	defer l.Close()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3000 {
				s := fmt.Sprintf("g%d-%d-%s", g, i, bytes.Repeat([]byte("q"), i%97))
				r, err := l.AppendString(s)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := l.ReadString(r); err != nil || got != s {
					t.Errorf("got %q %v, want %q", got, err, s)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkLogAppendRead(b *testing.B) {
	l := &Log{Dir: b.TempDir()}
	defer l.Close()
	u := "https://www.example.org/health/conditions/carpal-tunnel-syndrome/"
	var buf []byte
	for i := 0; i < b.N; i++ {
		r, err := l.AppendString(u)
		if err != nil {
			b.Fatal(err)
		}
		if buf, err = l.Read(r, buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
