package output_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/internal/testutil"
	"github.com/healthcrawl/healthcrawl/output"
)

func rec(i int) *article.Article {
	a := &article.Article{Source: "page" + string(rune('a'+i%26)) + ".html", PageType: article.PageArticle, Title: "Title “ü” <&>",
		Sections: []article.Section{{Blocks: []article.Block{{Type: article.BlockParagraph, Text: strings.Repeat("word ", i+1)}}}}}
	a.Finalize()
	return a
}

func TestOpenJSONLWritesWholeLinesToDisk(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "out.jsonl")
	s, err := output.Open(ctx, "jsonl", path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Write(ctx, rec(i)); err != nil {
			t.Fatal(err)
		}
		// Flushed per record: the file already holds i+1 whole lines before Close.
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Count(data, []byte("\n")); got != i+1 || !bytes.HasSuffix(data, []byte("\n")) {
			t.Fatalf("after %d writes the file has %d lines: %q", i+1, got, data)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Write(ctx, rec(9)); !errors.Is(err, output.ErrClosed) {
		t.Errorf("Write after Close: got %v, want ErrClosed", err)
	}
	data, _ := os.ReadFile(path)
	if n := testutil.ValidateJSONL(t, data); n != 3 {
		t.Errorf("records = %d, want 3", n)
	}
	first := strings.SplitN(string(data), "\n", 2)[0]
	var got article.Article
	if err := json.Unmarshal([]byte(first), &got); err != nil {
		t.Fatal(err)
	}
	if got.Title != "Title “ü” <&>" || got.Source != "pagea.html" || got.WordCount != 1 {
		t.Errorf("round trip: %+v", got)
	}
	// Keeps an existing file; Overwrite truncates it.
	s, _ = output.Open(ctx, "", path)
	_ = s.Close(ctx)
	if data2, _ := os.ReadFile(path); len(data2) != len(data) {
		t.Errorf("reopened file: %d bytes, want the %d kept", len(data2), len(data))
	}
	s, _ = output.OpenSpec(ctx, output.Spec{Path: path, Overwrite: true})
	_ = s.Close(ctx)
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Errorf("overwritten file not truncated: %d bytes", len(data))
	}
}

// countingWriter records each Write call.
type countingWriter struct {
	mu     sync.Mutex
	writes [][]byte
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, append([]byte(nil), p...))
	return len(p), nil
}

// Each record reaches the writer in exactly one Write holding one whole line, even
// with concurrent writers: a process killed between two writes leaves whole lines.
func TestJSONLOneWritePerRecordConcurrent(t *testing.T) {
	w := &countingWriter{}
	s := output.NewJSONLSink(w)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Write(ctx, rec(i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(w.writes) != 50 {
		t.Fatalf("%d writes for 50 records", len(w.writes))
	}
	for i, p := range w.writes {
		if bytes.Count(p, []byte("\n")) != 1 || !bytes.HasSuffix(p, []byte("\n")) {
			t.Fatalf("write %d is not one whole line: %q", i, p)
		}
		testutil.ValidateRecord(t, bytes.TrimSuffix(p, []byte("\n")))
	}
}

func TestOpenUnknownFormat(t *testing.T) {
	_, err := output.Open(context.Background(), "parquetx", filepath.Join(t.TempDir(), "x"))
	if !errors.Is(err, output.ErrUnknownFormat) || !strings.Contains(err.Error(), `"parquetx"`) {
		t.Errorf("got %v", err)
	}
	if !output.HasFormat("jsonl") {
		t.Errorf("jsonl not registered: %v", output.Formats())
	}
}

func TestOpenFileError(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := output.Open(context.Background(), "jsonl", filepath.Join(blocker, "out.jsonl"))
	if err == nil || !strings.Contains(err.Error(), blocker) {
		t.Errorf("want an error naming %s, got %v", blocker, err)
	}
}

func TestRegistryIsolated(t *testing.T) {
	r := output.NewRegistry()
	var mem output.MemorySink
	r.Register("mem", func(io.Writer) output.Sink { return &mem })
	if got := r.Formats(); len(got) != 1 || got[0] != "mem" {
		t.Errorf("Formats = %v", got)
	}
	if _, err := r.Open(context.Background(), "jsonl", "-"); !errors.Is(err, output.ErrUnknownFormat) {
		t.Errorf("isolated registry knows jsonl: %v", err)
	}
}

func TestTextAndMarkdownFormats(t *testing.T) {
	ctx := context.Background()
	for _, f := range []string{"text", "markdown"} {
		var buf bytes.Buffer
		s, err := output.New(f, &buf)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		a := rec(2)
		if err := s.Write(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "word word word") || !strings.Contains(buf.String(), "Title") {
			t.Errorf("%s output lacks the record:\n%s", f, buf.String())
		}
	}
}
