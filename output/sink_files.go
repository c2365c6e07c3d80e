package output

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
)

// MaxSlugBytes bounds the length of a slug (the file name without ".json" and
// without a collision suffix).
const MaxSlugBytes = 80

// FilesSink writes one indented JSON file per record under a directory, at
// {site}/{yyyy}/{mm}/{slug}.json (see FilePath). Each file is written under a
// temporary name and renamed into place. Two records of the same URL share a path
// (the later replaces the earlier); different URLs whose paths collide get "-2",
// "-3", … suffixes. Which URL owns which path is kept in the index file
// FilesIndexName at the top of the directory (one JSON line per path, appended and
// fsynced before the record's file is renamed into place), so that across runs a
// URL keeps its file and never takes another's. Safe for concurrent use.
type FilesSink struct {
	mu        sync.Mutex
	dir       string
	owner     map[string]string // lower-cased relative path → record key (URL) that owns it
	byKey     map[string]string // record key → its relative path
	idx       *os.File
	n         int
	sinkState // closed; sticky error
}

// FilesIndexName is the index of a files output: lines {"path": REL, "url": KEY}.
const FilesIndexName = ".healthcrawl-index.jsonl"

type filesIndexLine struct {
	Path string `json:"path"`
	URL  string `json:"url"`
}

// NewFilesSink writes files under dir (created if missing), keeping the files and
// the index an earlier run left there.
func NewFilesSink(dir string) (*FilesSink, error) { return openFilesSink(dir, false) }

// openFilesSink opens dir; with overwrite, the files its index lists and the index
// are removed first (other files in dir are left alone).
func openFilesSink(dir string, overwrite bool) (*FilesSink, error) {
	if dir == "" {
		return nil, errors.New("open output: empty directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open output %s: %w", dir, err)
	}
	s := &FilesSink{dir: dir, owner: map[string]string{}, byKey: map[string]string{}}
	idxPath := filepath.Join(dir, FilesIndexName)
	if err := s.loadIndex(idxPath); err != nil {
		return nil, err
	}
	// A process killed while writing a record leaves its temporary file next to the
	// record's path, which the index names (a path is claimed before it is written).
	dirs := map[string]bool{}
	for _, rel := range s.byKey {
		dirs[filepath.Dir(rel)] = true
	}
	for d := range dirs {
		full := filepath.Join(dir, d)
		if !within(dir, full) && full != filepath.Clean(dir) {
			continue
		}
		stale, _ := filepath.Glob(filepath.Join(full, ".*.tmp-*"))
		for _, t := range stale {
			if err := os.Remove(t); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("open output %s: remove stale temporary file: %w", dir, err)
			}
		}
	}
	if overwrite {
		for _, rel := range s.byKey {
			full := filepath.Join(dir, rel)
			if !within(dir, full) {
				continue
			}
			if err := os.Remove(full); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("overwrite output %s: %w", dir, err)
			}
		}
		if err := os.Remove(idxPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("overwrite output %s: %w", dir, err)
		}
		s.owner, s.byKey = map[string]string{}, map[string]string{}
	}
	f, err := os.OpenFile(idxPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open output %s: index: %w", dir, err)
	}
	s.idx = f
	return s, nil
}

// loadIndex reads the index at path into the maps. A last line cut short by a
// killed process is cut off (its record's file was never renamed into place); a
// bad line before it is an error naming the line.
func (s *FilesSink) loadIndex(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open output %s: read index: %w", s.dir, err)
	}
	off := 0
	for line := 1; off < len(b); line++ {
		end := bytes.IndexByte(b[off:], '\n')
		var l filesIndexLine
		if end < 0 || json.Unmarshal(b[off:off+end], &l) != nil || l.Path == "" || l.URL == "" {
			if end < 0 || off+end+1 == len(b) { // the last line
				slog.Warn("output: files index ends with a torn line; cutting it off", "path", path, "line", line)
				if err := os.Truncate(path, int64(off)); err != nil {
					return fmt.Errorf("open output %s: cut torn index line: %w", s.dir, err)
				}
				return nil
			}
			return fmt.Errorf("open output %s: index %s: line %d is not an index entry", s.dir, path, line)
		}
		rel := filepath.FromSlash(l.Path)
		if prev, ok := s.byKey[l.URL]; ok {
			delete(s.owner, strings.ToLower(prev))
		}
		s.owner[strings.ToLower(rel)] = l.URL
		s.byKey[l.URL] = rel
		off += end + 1
	}
	return nil
}

// Write writes a to its file.
func (s *FilesSink) Write(ctx context.Context, a *article.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return fmt.Errorf("encode record %s: %w", recordName(a), err)
	}
	b = append(b, '\n')
	key := recordKey(a)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	rel, ok := s.byKey[key]
	if !ok {
		if rel, err = s.claim(FilePath(a), key); err != nil {
			return fmt.Errorf("write record %s: %w", recordName(a), err)
		}
	}
	full := filepath.Join(s.dir, rel)
	if !within(s.dir, full) { // FilePath never escapes; this guards the invariant
		return fmt.Errorf("write record %s: path %q escapes %s", recordName(a), rel, s.dir)
	}
	if err := WriteFileAtomic(full, b); err != nil {
		return fmt.Errorf("write record %s: %w", recordName(a), err)
	}
	s.n++
	return nil
}

// claim finds rel, or rel with the first free "-N" suffix, records key as its
// owner in the maps and appends it to the index (fsynced). A path is free when no
// index entry owns it and no file is there, or the file there holds key's record
// (a directory written before the index existed).
func (s *FilesSink) claim(rel, key string) (string, error) {
	base := strings.TrimSuffix(rel, ".json")
	cand := rel
	for i := 2; ; i++ {
		owner, taken := s.owner[strings.ToLower(cand)] // case-insensitive file systems
		if !taken {
			owner, taken = fileOwner(filepath.Join(s.dir, cand))
		}
		if !taken || owner == key {
			break
		}
		cand = base + "-" + strconv.Itoa(i) + ".json"
	}
	line, err := json.Marshal(filesIndexLine{Path: filepath.ToSlash(cand), URL: key})
	if err != nil {
		return "", err
	}
	line = append(line, '\n')
	if _, err := s.idx.Write(line); err != nil {
		s.err = fmt.Errorf("output %s: append to index: %w", s.dir, err)
		return "", s.err
	}
	if err := s.idx.Sync(); err != nil {
		s.err = fmt.Errorf("output %s: sync index: %w", s.dir, err)
		return "", s.err
	}
	s.owner[strings.ToLower(cand)] = key
	s.byKey[key] = cand
	return cand, nil
}

// fileOwner is the record key of the file at path, when there is one; a file that
// is not a record counts as taken by nobody's key.
func fileOwner(path string) (string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", !errors.Is(err, os.ErrNotExist)
	}
	var a article.Article
	if json.Unmarshal(b, &a) != nil {
		return "", true
	}
	return recordKey(&a), true
}

// Flush reports a failure to keep the index; every file and index line written so
// far is already fsynced.
func (s *FilesSink) Flush(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close closes the index; idempotent. Every file is already in place.
func (s *FilesSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.err
	}
	s.closed = true
	if err := s.idx.Close(); err != nil && s.err == nil {
		s.err = fmt.Errorf("close output %s: index: %w", s.dir, err)
	}
	return s.err
}

func recordKey(a *article.Article) string {
	for _, k := range []string{a.CanonicalURL, a.URL, a.Source} {
		if k != "" {
			return k
		}
	}
	return "sha256:" + a.ContentHash + "|" + a.Title
}

func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

var yearMonth = regexp.MustCompile(`^(\d{4})-(\d{2})`)

// FilePath is the relative path of a record in the files format:
// {site}/{yyyy}/{mm}/{slug}.json, with yyyy/mm from published_at, else fetched_at,
// else the single directory "undated". site is the record's site (else the URL's
// host, else "unknown-site"); the slug comes from the last segment of the URL's path
// (else the title, else a hash). Every part is a safe file name: see SafeName.
func FilePath(a *article.Article) string {
	site := SafeName(a.Site)
	if site == "" {
		site = SafeName(hostOf(a))
	}
	if site == "" {
		site = "unknown-site"
	}
	dated := "undated"
	if m := yearMonth.FindStringSubmatch(a.PublishedAt); m != nil && m[2] >= "01" && m[2] <= "12" {
		dated = m[1] + "/" + m[2]
	} else if a.FetchedAt != nil && !a.FetchedAt.IsZero() && a.FetchedAt.Year() > 0 && a.FetchedAt.Year() < 10000 {
		dated = a.FetchedAt.UTC().Format("2006/01")
	}
	return filepath.Join(site, filepath.FromSlash(dated), Slug(a)+".json")
}

func hostOf(a *article.Article) string {
	for _, raw := range []string{a.CanonicalURL, a.URL, a.Source} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			return u.Hostname()
		}
	}
	return ""
}

// Slug is the file name (without extension) for a record: the last non-empty segment
// of its URL path, decoded and made safe with SafeName; else its title; else
// "article-" and the first 12 hex digits of the sha256 of its key.
func Slug(a *article.Article) string {
	for _, raw := range []string{a.CanonicalURL, a.URL, a.Source} {
		if raw == "" {
			continue
		}
		if s := SafeName(lastSegment(raw)); s != "" {
			return s
		}
	}
	if s := SafeName(a.Title); s != "" {
		return s
	}
	sum := sha256.Sum256([]byte(recordKey(a)))
	return "article-" + hex.EncodeToString(sum[:6])
}

// lastSegment is the last non-empty segment of raw's path, split on the escaped path
// (so "%2F" stays inside a segment) and then unescaped.
func lastSegment(raw string) string {
	p := raw
	if u, err := url.Parse(raw); err == nil {
		p = u.EscapedPath()
		if p == "" || p == "/" {
			p = u.Host
		}
	}
	segs := strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' })
	for i := len(segs) - 1; i >= 0; i-- {
		seg := segs[i]
		if dec, err := url.PathUnescape(seg); err == nil {
			seg = dec
		}
		// drop a file extension such as .html
		if ext := filepath.Ext(seg); ext != "" && len(ext) <= 6 {
			seg = strings.TrimSuffix(seg, ext)
		}
		if strings.Trim(seg, ". ") != "" {
			return seg
		}
	}
	return ""
}

// reserved are names Windows will not create, with or without an extension.
var reserved = map[string]bool{"con": true, "prn": true, "aux": true, "nul": true, "clock$": true, "conin$": true, "conout$": true}

func init() {
	for i := 1; i <= 9; i++ {
		reserved["com"+strconv.Itoa(i)] = true
		reserved["lpt"+strconv.Itoa(i)] = true
	}
}

// SafeName turns s into a lower-case file name made of letters, digits, '-' and '_'
// (runs of anything else, including '/', '\\', '.', NUL and control characters,
// become one '-'), trimmed of '-', at most MaxSlugBytes bytes (cut at a rune
// boundary), never a reserved device name (CON, NUL, COM1, … get a '_' suffix).
// It returns "" when nothing is left.
func SafeName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		if b.Len()+utf8.RuneLen(r) > MaxSlugBytes {
			break
		}
		b.WriteRune(r)
	}
	out := strings.Trim(b.String(), "-")
	if reserved[out] {
		out += "_"
	}
	return out
}
