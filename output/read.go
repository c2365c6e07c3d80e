package output

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/healthcrawl/healthcrawl/article"
)

// ErrNotReadable is returned by Read for formats that do not carry whole records
// (csv, text, markdown).
var ErrNotReadable = errors.New("format cannot be read back into records")

// Read calls fn with each record stored at path in format ("" = guessed: a directory
// is the files format, else FormatForPath), in order: jsonl (gzip-compressed or not,
// told by its first bytes), json, parquet, sqlite and files. A jsonl line that is not
// a record is an error naming the line.
func Read(ctx context.Context, format, path string, fn func(*article.Article) error) error {
	if format == "" {
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			format = "files"
		} else {
			format = FormatForPath(path)
		}
	}
	switch format {
	case "jsonl":
		return readJSONLFile(ctx, path, fn)
	case "json":
		return readJSONArray(ctx, path, fn)
	case "parquet":
		return ReadParquet(ctx, path, fn)
	case "sqlite":
		return ReadSQLite(ctx, path, fn)
	case "files":
		return readFiles(ctx, path, fn)
	default:
		return fmt.Errorf("read %s: %w: %s", path, ErrNotReadable, format)
	}
}

func readJSONLFile(ctx context.Context, path string, fn func(*article.Article) error) error {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		defer f.Close()
		r = f
	}
	return ReadJSONL(ctx, r, path, fn)
}

// ReadJSONL reads JSON Lines from r, gunzipping it when it starts with the gzip magic
// bytes (concatenated members included). name is used in errors. Blank lines are
// skipped.
func ReadJSONL(ctx context.Context, r io.Reader, name string, fn func(*article.Article) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if line%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var a article.Article
		if err := json.Unmarshal(b, &a); err != nil {
			return fmt.Errorf("read %s: line %d: %w", name, line, err)
		}
		if err := fn(&a); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: after line %d: %w", name, line, err)
	}
	return nil
}

func readJSONArray(ctx context.Context, path string, fn func(*article.Article) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return fmt.Errorf("read %s: not a JSON array (%v)", path, err)
	}
	for i := 0; dec.More(); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var a article.Article
		if err := dec.Decode(&a); err != nil {
			return fmt.Errorf("read %s: element %d: %w", path, i, err)
		}
		if err := fn(&a); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("read %s: unterminated array: %w", path, err)
	}
	return nil
}

// readFiles reads every *.json under dir (temporary files skipped), sorted by path.
func readFiles(ctx context.Context, dir string, fn func(*article.Article) error) error {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") && !strings.HasPrefix(d.Name(), ".") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		var a article.Article
		if err := json.Unmarshal(b, &a); err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		if err := fn(&a); err != nil {
			return err
		}
	}
	return nil
}
