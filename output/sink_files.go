package output

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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
// "-3", … suffixes. Safe for concurrent use.
type FilesSink struct {
	mu     sync.Mutex
	dir    string
	owner  map[string]string // relative path → record key (URL) that owns it
	byKey  map[string]string // record key → its relative path
	n      int
	closed bool
}

// NewFilesSink writes files under dir (created if missing).
func NewFilesSink(dir string) (*FilesSink, error) {
	if dir == "" {
		return nil, errors.New("open output: empty directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open output %s: %w", dir, err)
	}
	return &FilesSink{dir: dir, owner: map[string]string{}, byKey: map[string]string{}}, nil
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
	if s.closed {
		return ErrClosed
	}
	rel, ok := s.byKey[key]
	if !ok {
		rel = s.claim(FilePath(a), key)
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

// claim returns rel, or rel with the first free "-N" suffix, and records key as its owner.
func (s *FilesSink) claim(rel, key string) string {
	base := strings.TrimSuffix(rel, ".json")
	cand := rel
	for i := 2; ; i++ {
		if _, taken := s.owner[strings.ToLower(cand)]; !taken { // case-insensitive file systems
			break
		}
		cand = base + "-" + strconv.Itoa(i) + ".json"
	}
	s.owner[strings.ToLower(cand)] = key
	s.byKey[key] = cand
	return cand
}

// Close marks the sink closed; idempotent. Every file is already in place.
func (s *FilesSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
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
