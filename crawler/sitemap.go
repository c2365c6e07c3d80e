package crawler

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"github.com/dustin/go-humanize/english"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

const (
	// maxSitemapBytes bounds a decompressed sitemap when no limit is given (the
	// sitemaps protocol allows 50 MB; crawl.max_sitemap_bytes).
	maxSitemapBytes = 50 << 20
	// maxSitemapURLs is the number of URLs used from one sitemap, sitemap index or feed
	// (the sitemaps protocol's limit); later entries are filed as over_limit.
	maxSitemapURLs = 50000
	// maxTagBytes bounds one XML tag; a longer one is read as text (and so breaks the
	// entry it is in, not the file).
	maxTagBytes = 64 << 10
	// maxFieldBytes bounds the text of one field of an entry (<loc>, <lastmod>, …) and
	// one line of a text sitemap.
	maxFieldBytes = 16 << 10
)

// Reasons of sitemap entries that are not used (accounting).
const (
	// ReasonSitemapXML: the entry is not well-formed XML (a bad byte, a broken tag, …)
	// and no URL could be read from it.
	ReasonSitemapXML = "sitemap entry: invalid XML"
	// ReasonSitemapNoURL: the entry names no URL (no <loc>, <link> or <guid>).
	ReasonSitemapNoURL = "sitemap entry: no URL"
	// ReasonSitemapBadURL: the entry's URL is not an absolute http(s) URL.
	ReasonSitemapBadURL = "sitemap entry: not an http(s) URL"
	// ReasonSitemapEntries (over_limit): entries past the first 50,000 of one file.
	ReasonSitemapEntries = "sitemap_entries"
)

// ErrMalformedSitemap marks a sitemap or feed that could not be read (as a whole, or
// from some point on): not a sitemap, cut off, larger than the limit, bad gzip.
var ErrMalformedSitemap = errors.New("malformed sitemap")

// sitemapLink is one URL listed by a sitemap, sitemap index or feed.
type sitemapLink struct {
	URL     string
	LastMod string
	Sitemap bool // a child sitemap of a sitemap index
}

// sitemapEntry is one entry of a sitemap as scanSitemap reads it: a link, or a fault.
type sitemapEntry struct {
	sitemapLink
	u *url.URL // URL parsed (nil for a fault)
	// Fault is "" for a usable entry, else why the entry is lost (ReasonSitemap…);
	// Err tells where and what.
	Fault string
	Err   error
}

// sitemapStats sums up one read sitemap.
type sitemapStats struct {
	Kind      string // urlset, sitemapindex, rss, rdf, feed (Atom), text; what was seen for a file that is none
	URLs      int    // usable entries passed on
	Bad       int    // entries lost to a fault of their own
	OverLimit int    // entries past MaxURLs, not read
}

// Feed reports whether the file was an RSS or Atom feed (not a sitemap).
func (s sitemapStats) Feed() bool { return s.Kind == "rss" || s.Kind == "feed" || s.Kind == "rdf" }

// sitemapOptions bound scanSitemap.
type sitemapOptions struct {
	MaxBytes int64 // decompressed bytes read at most (0 = maxSitemapBytes)
	MaxURLs  int   // usable entries passed on at most (0 = maxSitemapURLs)
}

// sitemapRead is a sitemap read while it downloaded (streamSitemap), queued once
// the download is over: its usable entries (at most maxSitemapURLs), the first
// maxSitemapFaults entries lost to a fault of their own, and how many more faults
// there were by reason.
type sitemapRead struct {
	entries    []sitemapEntry
	moreFaults map[string]int
	stats      sitemapStats
	err        error // about the file as a whole (ErrMalformedSitemap)
}

// maxSitemapFaults is the number of faulty entries of one sitemap filed one by one;
// the rest are counted by reason.
const maxSitemapFaults = 1000

// streamSitemap reads a sitemap from a body as it downloads (a Request.Stream),
// holding its entries, not its bytes. The error is the body's own (a network
// error, a *fetch.TooBigError past limit): the fetch failed. A file that is not a
// sitemap is not an error here but read.err.
func streamSitemap(r io.Reader, limit int64) (*sitemapRead, error) {
	body := &readErr{r: r}
	read := &sitemapRead{}
	faults := 0
	read.stats, read.err = scanSitemap(body, sitemapOptions{MaxBytes: limit}, func(it sitemapEntry) {
		if it.Fault != "" {
			if faults++; faults > maxSitemapFaults {
				if read.moreFaults == nil {
					read.moreFaults = map[string]int{}
				}
				read.moreFaults[it.Fault]++
				return
			}
		}
		read.entries = append(read.entries, it)
	})
	if body.err != nil {
		return nil, body.err
	}
	return read, nil
}

// readErr remembers the first error of r other than io.EOF.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// readSitemap reads a sitemap, sitemap index or feed from r (gzipped or not, at most
// crawl.max_sitemap_bytes uncompressed) and queues what it lists while it reads, as
// URLs found on e. An entry that cannot be used is filed as failed, stage sitemap,
// with its reason (ReasonSitemap…) and where it is; the entries past the first 50,000
// as over_limit (ReasonSitemapEntries) in one line. The error is about the file as a
// whole (not a sitemap, cut off, too large: ErrMalformedSitemap); what was read
// before it is queued all the same.
func (s *siteRun) readSitemap(ctx context.Context, e Entry, r io.Reader) (sitemapStats, error) {
	queue, finish := s.sitemapQueuer(ctx, e)
	st, err := scanSitemap(r, sitemapOptions{MaxBytes: s.job.cfg.Crawl.MaxSitemapBytes}, queue)
	finish()
	s.sitemapRead(e, st, nil)
	return st, err
}

// queueSitemap queues what a sitemap read while it downloaded lists, as
// readSitemap does.
func (s *siteRun) queueSitemap(ctx context.Context, e Entry, read *sitemapRead) (sitemapStats, error) {
	queue, finish := s.sitemapQueuer(ctx, e)
	for _, it := range read.entries {
		queue(it)
	}
	finish()
	read.entries = nil
	s.sitemapRead(e, read.stats, read.moreFaults)
	return read.stats, read.err
}

// sitemapQueuer is the function that files or queues each entry of sitemap e, and
// the one to call once every entry went through it (it files the pages found
// unchanged, see discoverSkip).
func (s *siteRun) sitemapQueuer(ctx context.Context, e Entry) (queue func(sitemapEntry), finish func()) {
	n := 0
	var lastMod, unchanged []Entry
	finish = func() {
		s.decideLastMod(ctx, lastMod, &unchanged)
		lastMod = nil
		s.fileUnchanged(ctx, unchanged)
		unchanged = nil
	}
	return func(it sitemapEntry) {
		if it.Fault != "" {
			s.job.acct.record(s.site.Name, e.URL, outcome{Category: CatFailed, Reason: it.Fault, Stage: "sitemap",
				Err: fmt.Errorf("sitemap %s: %w", e.URL, it.Err), Parent: e.URL})
			return
		}
		if it.Sitemap {
			s.discover(ctx, it.u, Entry{Depth: e.Depth, Kind: KindSitemap, Parent: e.URL})
		} else {
			if canon, err := s.canonURL(it.u); err == nil {
				s.discoverSkip(ctx, it.u, canon, Entry{Depth: e.Depth, Kind: KindPage, Parent: e.URL, LastMod: it.LastMod}, &lastMod)
				if len(lastMod) >= lastModBatch {
					s.decideLastMod(ctx, lastMod, &unchanged)
					lastMod = lastMod[:0]
				}
			}
		}
		if n++; n%1000 == 0 {
			s.cond.Broadcast() // the workers start on the first URLs while the rest is read
		}
	}, finish
}

// sitemapRead files what was not queued of sitemap e: the entries past the first
// 50,000 and the faulty entries past the first maxSitemapFaults (moreFaults, by
// reason).
func (s *siteRun) sitemapRead(e Entry, st sitemapStats, moreFaults map[string]int) {
	for reason, n := range moreFaults {
		s.job.acct.recordN(s.site.Name, e.URL, outcome{Category: CatFailed, Reason: reason, Stage: "sitemap",
			Err: fmt.Errorf("sitemap %s: %s more lost (%s)", e.URL, english.Plural(n, "entry", "entries"), reason), Parent: e.URL}, n)
	}
	if st.OverLimit > 0 {
		s.job.acct.recordN(s.site.Name, e.URL, outcome{Category: CatOverLimit, Reason: ReasonSitemapEntries, Stage: "sitemap",
			Err: fmt.Errorf("sitemap %s: %s past the first %d not read", e.URL, english.Plural(st.OverLimit, "entry", "entries"), maxSitemapURLs)}, st.OverLimit)
	}
	s.job.acct.flush(s.site.Name, e.URL)
	s.cond.Broadcast()
}

// scanSitemap reads an XML sitemap (<urlset>), sitemap index (<sitemapindex>), RSS
// 2.0 / RSS 1.0 feed, Atom feed or plain-text sitemap (one URL a line), gzipped or
// not, in UTF-8, UTF-16 (BOM) or the charset its XML declaration names, from r as a
// stream, and calls fn with each entry in document order. It holds one entry at a
// time.
//
// An entry is read on its own: a fault inside it (a bad byte, a broken tag, a
// missing or bad URL) loses that entry only, which fn gets with Fault set, and the
// next entry is read as usual. After opt.MaxURLs usable entries the rest are counted
// (OverLimit) and skipped. The error (wrapping ErrMalformedSitemap) is about the
// file: empty, not a sitemap or feed, bad gzip, cut off inside the document, larger
// than opt.MaxBytes; the entries before it have been passed to fn.
func scanSitemap(r io.Reader, opt sitemapOptions, fn func(sitemapEntry)) (sitemapStats, error) {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = maxSitemapBytes
	}
	if opt.MaxURLs <= 0 {
		opt.MaxURLs = maxSitemapURLs
	}
	var st sitemapStats
	in := bufio.NewReader(r)
	var src io.Reader = in
	if magic, _ := in.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(in)
		if err != nil {
			st.Kind = "gzip"
			return st, fmt.Errorf("%w: gzip: %v", ErrMalformedSitemap, err)
		}
		src = zr
	}
	lx := newXMLLexer(&capReader{r: src, max: opt.MaxBytes})
	// Byte order marks: UTF-8 is dropped, UTF-16 is decoded to UTF-8.
	utf16 := false
	if head, _ := lx.r.Peek(3); bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		lx.r.Discard(3)
	} else if bytes.HasPrefix(head, []byte("\xfe\xff")) || bytes.HasPrefix(head, []byte("\xff\xfe")) {
		lx = newXMLLexer(transform.NewReader(lx.r, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()))
		utf16 = true
	}
	if err := lx.skipSpace(); err != nil {
		if errors.Is(err, io.EOF) {
			st.Kind = "empty"
			return st, fmt.Errorf("%w: empty body", ErrMalformedSitemap)
		}
		return st, lx.fatal(err)
	}
	if first, _ := lx.r.Peek(1); first[0] != '<' {
		st.Kind = "text"
		return st, scanTextSitemap(lx, opt, &st, fn)
	}
	if !utf16 {
		if label := declaredEncoding(lx); label != "" {
			if dr, err := charset.NewReaderLabel(label, lx.r); err == nil {
				lx = newXMLLexer(dr)
			}
		}
	}
	return st, scanXMLSitemap(lx, opt, &st, fn)
}

// declaredEncoding is the encoding named by the XML declaration at the start of lx
// when it is not UTF-8 (and known), else "".
func declaredEncoding(lx *xmlLexer) string {
	head, _ := lx.r.Peek(256)
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	if end := bytes.Index(head, []byte("?>")); end >= 0 {
		head = head[:end]
	}
	i := bytes.Index(head, []byte("encoding"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(head[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	rest = rest[1:]
	j := bytes.IndexByte(rest, q)
	if j < 0 {
		return ""
	}
	label := strings.TrimSpace(string(rest[:j]))
	enc, name := charset.Lookup(label)
	if enc == nil || name == "utf-8" {
		return "" // unknown labels are read as UTF-8: bad bytes then cost their entries only
	}
	return label
}

// scanTextSitemap reads a text sitemap: one URL a line. A first line that is not a
// URL means the file is not a text sitemap; a later one is a lost entry.
func scanTextSitemap(lx *xmlLexer, opt sitemapOptions, st *sitemapStats, fn func(sitemapEntry)) error {
	for line := 1; ; line++ {
		raw, long, err := lx.readLine()
		if err != nil && !errors.Is(err, io.EOF) {
			return lx.fatal(err)
		}
		text := strings.TrimSpace(string(raw))
		if text != "" || long {
			switch {
			case st.URLs >= opt.MaxURLs:
				st.OverLimit++
			default:
				it := textEntry(text, long, line)
				if it.Fault != "" && st.URLs == 0 && st.Bad == 0 {
					return fmt.Errorf("%w: line %d %q is not a URL", ErrMalformedSitemap, line, truncate(text, 80))
				}
				emit(st, fn, it)
			}
		}
		if err != nil {
			return nil
		}
	}
}

func textEntry(text string, long bool, line int) sitemapEntry {
	switch {
	case long:
		return sitemapEntry{Fault: ReasonSitemapBadURL, Err: fmt.Errorf("line %d: longer than %d bytes", line, maxFieldBytes)}
	case !utf8.ValidString(text):
		return sitemapEntry{Fault: ReasonSitemapBadURL, Err: fmt.Errorf("line %d: invalid UTF-8", line)}
	}
	return checkEntry(sitemapLink{URL: text}, entryPos{line: line})
}

// emit counts it and passes it on.
func emit(st *sitemapStats, fn func(sitemapEntry), it sitemapEntry) {
	if it.Fault != "" {
		st.Bad++
	} else {
		st.URLs++
	}
	fn(it)
}

// entryPos is where an entry is: its number (0 in a text sitemap) and line.
type entryPos struct{ entry, line int }

func (p entryPos) String() string {
	if p.entry == 0 {
		return fmt.Sprintf("line %d", p.line)
	}
	return fmt.Sprintf("entry %d (line %d)", p.entry, p.line)
}

// checkEntry parses the URL of a link read from the entry at where: a usable entry,
// or a fault saying why not.
func checkEntry(l sitemapLink, where entryPos) sitemapEntry {
	l.URL = strings.TrimSpace(l.URL)
	if l.URL == "" {
		return sitemapEntry{sitemapLink: l, Fault: ReasonSitemapNoURL, Err: fmt.Errorf("%s: no URL", where)}
	}
	u, err := url.Parse(l.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return sitemapEntry{sitemapLink: l, Fault: ReasonSitemapBadURL, Err: fmt.Errorf("%s: %q is not an absolute http(s) URL", where, truncate(l.URL, 200))}
	}
	return sitemapEntry{sitemapLink: l, u: u}
}

// entryNames maps the root element of a sitemap or feed to its entry element.
var entryNames = map[string]string{"urlset": "url", "sitemapindex": "sitemap", "rss": "item", "rdf": "item", "feed": "entry"}

func scanXMLSitemap(lx *xmlLexer, opt sitemapOptions, st *sitemapStats, fn func(sitemapEntry)) error {
	// The prolog: declaration, comments, DOCTYPE, up to the root element.
	var root xmlSeg
	for {
		seg, err := lx.next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: no XML element", ErrMalformedSitemap)
		}
		if err != nil {
			return lx.fatal(err)
		}
		if seg.kind == segStart {
			root = seg
			break
		}
	}
	st.Kind = root.local
	entry, ok := entryNames[root.local]
	if !ok {
		return fmt.Errorf("%w: root element <%s> is not a sitemap or feed", ErrMalformedSitemap, truncate(root.name, 40))
	}
	if root.empty {
		return nil
	}
	index := 0
	for {
		seg, err := lx.next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: cut off: the file ends before </%s>", ErrMalformedSitemap, root.name)
		}
		if err != nil {
			return lx.fatal(err)
		}
		switch {
		case seg.kind == segEnd && seg.local == root.local:
			return nil // anything after the root element is ignored
		case seg.kind == segEnd && seg.local == entry:
			// The end of an entry whose start tag was not read (broken): lost.
			index++
			emit(st, fn, sitemapEntry{Fault: ReasonSitemapXML, Err: fmt.Errorf("entry %d (line %d): </%s> without <%s>", index, seg.line, seg.name, seg.name)})
		case seg.kind == segStart && seg.local == entry:
			index++
			er := &entryReader{lx: lx, name: entry, root: root.local, pend: seg.raw, done: seg.empty}
			if st.URLs >= opt.MaxURLs {
				st.OverLimit++
				er.drain()
			} else {
				where := entryPos{index, seg.line}
				l, perr := parseEntry(er, root.local)
				er.drain()
				if er.eof && l.URL == "" {
					return fmt.Errorf("%w: cut off inside %s", ErrMalformedSitemap, where)
				}
				if er.err == nil {
					it := checkEntry(l, where)
					if perr != nil && l.URL == "" {
						it = sitemapEntry{Fault: ReasonSitemapXML, Err: fmt.Errorf("%s: %w", where, perr)}
					}
					emit(st, fn, it)
				}
			}
			if er.err != nil {
				return lx.fatal(er.err)
			}
			if er.eof {
				return fmt.Errorf("%w: cut off: the file ends inside entry %d", ErrMalformedSitemap, index)
			}
		}
	}
}

// parseEntry reads the link of one entry (<url>, <sitemap>, <item> or <entry>) of a
// document with root element root. With an XML error, the link read before it is
// returned with the error; a URL is kept only when its element was read whole.
func parseEntry(r io.Reader, root string) (sitemapLink, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = false // unescaped & in URLs, unclosed elements: read as meant
	dec.Entity = xml.HTMLEntity
	var (
		stack []string
		text  strings.Builder
		long  bool
		cur   sitemapLink
	)
	parent := func() string {
		if len(stack) < 2 {
			return ""
		}
		return stack[len(stack)-2]
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return cur, nil
		}
		if err != nil {
			return cur, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			stack = append(stack, name)
			text.Reset()
			long = false
			if root == "feed" && name == "link" && parent() == "entry" && cur.URL == "" {
				var href, rel string
				for _, a := range t.Attr {
					switch strings.ToLower(a.Name.Local) {
					case "href":
						href = a.Value
					case "rel":
						rel = a.Value
					}
				}
				if href != "" && (rel == "" || rel == "alternate") {
					cur.URL = strings.TrimSpace(href)
				}
			}
		case xml.CharData:
			if text.Len()+len(t) <= maxFieldBytes {
				text.Write(t)
			} else {
				long = true
			}
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			val := strings.TrimSpace(text.String())
			if long {
				val = "(longer than 16 KiB)"
			}
			p := parent()
			switch {
			case name == "loc" && (p == "url" || p == "sitemap"):
				cur.URL = val
			case name == "lastmod" && (p == "url" || p == "sitemap"):
				cur.LastMod = val
			case name == "link" && p == "item" && val != "":
				cur.URL = val
			case name == "guid" && p == "item" && cur.URL == "" && strings.HasPrefix(val, "http"):
				cur.URL = val
			case (name == "pubdate" || name == "date") && p == "item":
				cur.LastMod = val
			case name == "updated" && p == "entry":
				cur.LastMod = val
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			text.Reset()
			long = false
			if len(stack) == 0 {
				cur.Sitemap = root == "sitemapindex"
				return cur, nil
			}
		}
	}
}

// Lexer: just enough of XML to find where each entry starts and ends in a stream
// that may be broken anywhere. It reads markup (tags, comments, CDATA, processing
// instructions, DOCTYPE) and text as raw segments; each entry's segments are then
// parsed by encoding/xml on their own (parseEntry).

type segKind uint8

const (
	segText  segKind = iota
	segStart         // start tag (or empty-element tag)
	segEnd           // end tag
	segOther         // comment, CDATA section, processing instruction, DOCTYPE (maybe in pieces)
)

type xmlSeg struct {
	kind  segKind
	raw   []byte // the bytes as read; valid until the lexer's next call
	name  string // start and end tags: the name as written
	local string // start and end tags: the local name, lower-cased
	empty bool   // an empty-element tag (<x/>)
	line  int    // line where the segment starts
}

type xmlLexer struct {
	r    *bufio.Reader
	line int
	buf  []byte
	back *xmlSeg // a segment pushed back (see unread)
	bbuf []byte
	term []byte // inside a comment, CDATA section, …: its terminator
}

func newXMLLexer(r io.Reader) *xmlLexer {
	return &xmlLexer{r: bufio.NewReaderSize(r, 2*maxTagBytes), line: 1}
}

// fatal is a read error of the stream as a sitemap error.
func (lx *xmlLexer) fatal(err error) error {
	if errors.Is(err, errSitemapTooLarge) {
		return fmt.Errorf("%w: %v", ErrMalformedSitemap, err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: cut off", ErrMalformedSitemap)
	}
	return fmt.Errorf("%w: read: %v", ErrMalformedSitemap, err)
}

// window returns the buffered bytes, at least min of them unless the stream ends
// first (then with the error).
func (lx *xmlLexer) window(min int) ([]byte, error) {
	if n := lx.r.Buffered(); n >= min {
		return lx.r.Peek(n)
	}
	return lx.r.Peek(min)
}

// take consumes n bytes as a segment of kind k.
func (lx *xmlLexer) take(k segKind, n int, w []byte) xmlSeg {
	lx.buf = append(lx.buf[:0], w[:n]...)
	lx.r.Discard(n)
	seg := xmlSeg{kind: k, raw: lx.buf, line: lx.line}
	lx.line += bytes.Count(lx.buf, []byte{'\n'})
	return seg
}

func (lx *xmlLexer) skipSpace() error {
	for {
		w, err := lx.window(1)
		if len(w) == 0 {
			if err == nil {
				err = io.EOF
			}
			return err
		}
		i := 0
		for i < len(w) && (w[i] == ' ' || w[i] == '\t' || w[i] == '\r' || w[i] == '\n') {
			i++
		}
		lx.line += bytes.Count(w[:i], []byte{'\n'})
		lx.r.Discard(i)
		if i < len(w) {
			return nil
		}
	}
}

// readLine reads one line (without its end), at most maxFieldBytes of it: long
// reports a longer line, whose rest is skipped.
func (lx *xmlLexer) readLine() (line []byte, long bool, err error) {
	lx.buf = lx.buf[:0]
	for {
		b, err := lx.r.ReadSlice('\n')
		if len(lx.buf)+len(b) <= maxFieldBytes+1 {
			lx.buf = append(lx.buf, b...)
		} else {
			long = true
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimRight(lx.buf, "\r\n"), long, err
	}
}

// unread pushes seg back: the next call of next returns it again.
func (lx *xmlLexer) unread(seg xmlSeg) {
	lx.bbuf = append(lx.bbuf[:0], seg.raw...)
	seg.raw = lx.bbuf
	lx.back = &seg
}

// constructs are the markup that is not a tag, by its opening and its end: comments,
// CDATA sections, processing instructions, DOCTYPE (in that order: "<!" comes last).
var constructs = []struct{ open, term []byte }{
	{[]byte("<!--"), []byte("-->")},
	{[]byte("<![CDATA["), []byte("]]>")},
	{[]byte("<?"), []byte("?>")},
	{[]byte("<!"), []byte(">")},
}

// next returns the next segment; io.EOF at the end of the stream.
func (lx *xmlLexer) next() (xmlSeg, error) {
	if lx.back != nil {
		seg := *lx.back
		lx.back = nil
		return seg, nil
	}
	if lx.term != nil {
		return lx.construct(0)
	}
	w, err := lx.window(1)
	if len(w) == 0 {
		if err == nil {
			err = io.EOF
		}
		return xmlSeg{}, err
	}
	if w[0] != '<' {
		i := bytes.IndexByte(w, '<')
		if i < 0 {
			i = len(w)
		}
		return lx.take(segText, i, w), nil
	}
	w, _ = lx.window(9)
	for _, c := range constructs {
		if bytes.HasPrefix(w, c.open) {
			lx.term = c.term
			return lx.construct(len(c.open))
		}
	}
	switch {
	case len(w) >= 2 && w[1] == '/':
		return lx.tag(w, true)
	case len(w) >= 2 && isNameStart(w[1]):
		return lx.tag(w, false)
	}
	return lx.take(segText, 1, w), nil // a stray '<'
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

// construct reads (a piece of) a comment, CDATA section, processing instruction or
// DOCTYPE whose first skip bytes are its opening: up to and including lx.term, or a
// piece of it when it is longer than the buffer.
func (lx *xmlLexer) construct(skip int) (xmlSeg, error) {
	term := lx.term
	w, err := lx.window(skip + len(term))
	if j := bytes.Index(w[min(skip, len(w)):], term); j >= 0 {
		lx.term = nil
		return lx.take(segOther, skip+j+len(term), w), nil
	}
	if err != nil || len(w) < skip+len(term) {
		lx.term = nil // unterminated at the end of the stream
		if len(w) == 0 {
			return xmlSeg{}, io.EOF
		}
		return lx.take(segOther, len(w), w), nil
	}
	// Keep the last bytes: the terminator may start there.
	return lx.take(segOther, len(w)-len(term)+1, w), nil
}

// tag reads a start or end tag, '>' included. A tag that runs into another '<' or
// past maxTagBytes is not one: its '<' is read as text.
func (lx *xmlLexer) tag(w []byte, end bool) (xmlSeg, error) {
	for {
		n, ok := tagEnd(w)
		if ok {
			seg := lx.take(segStart, n, w)
			body := seg.raw[1 : n-1]
			if end {
				seg.kind = segEnd
				body = body[1:]
			} else if len(body) > 0 && body[len(body)-1] == '/' {
				seg.empty = true
				body = body[:len(body)-1]
			}
			i := 0
			for i < len(body) && body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n' && body[i] != '/' {
				i++
			}
			seg.name = string(body[:i])
			seg.local = seg.name
			if c := strings.LastIndexByte(seg.local, ':'); c >= 0 {
				seg.local = seg.local[c+1:]
			}
			seg.local = strings.ToLower(seg.local)
			return seg, nil
		}
		if n >= 0 || len(w) >= maxTagBytes {
			return lx.take(segText, 1, w), nil
		}
		more, err := lx.window(min(len(w)*2, maxTagBytes))
		if len(more) <= len(w) && err != nil {
			return lx.take(segText, 1, w), nil // cut off at the end of the stream
		}
		w = more
	}
}

// tagEnd finds the '>' that ends the tag at the start of w (outside quoted attribute
// values): its length, true. (n, false) with n ≥ 0: a '<' at n comes first (not a
// tag); (-1, false): not in w.
func tagEnd(w []byte) (int, bool) {
	var quote byte
	for i := 1; i < len(w); i++ {
		c := w[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1, true
		case c == '<':
			return i, false
		}
	}
	return -1, false
}

// entryReader is one entry of a sitemap as a stream: the raw segments from its start
// tag to its end tag, for encoding/xml. It ends early, without consuming it, at the
// start of another entry or the root's end tag (the entry was not closed), and at the
// end of the stream.
type entryReader struct {
	lx         *xmlLexer
	name, root string // local names of the entry and root elements
	pend       []byte
	done       bool
	eof        bool  // the stream ended inside the entry
	err        error // the stream failed (too large, read error)
}

func (er *entryReader) fill() bool {
	for len(er.pend) == 0 {
		if er.done {
			return false
		}
		seg, err := er.lx.next()
		if err != nil {
			er.done = true
			if errors.Is(err, io.EOF) {
				er.eof = true
			} else {
				er.err = err
			}
			return false
		}
		switch {
		case seg.kind == segEnd && seg.local == er.name:
			er.done = true
		case seg.kind == segStart && seg.local == er.name, seg.kind == segEnd && seg.local == er.root:
			er.lx.unread(seg)
			er.done = true
			return false
		}
		er.pend = seg.raw
	}
	return true
}

func (er *entryReader) Read(p []byte) (int, error) {
	if !er.fill() {
		return 0, io.EOF
	}
	n := copy(p, er.pend)
	er.pend = er.pend[n:]
	return n, nil
}

// ReadByte makes entryReader an io.ByteReader, which encoding/xml reads unbuffered.
func (er *entryReader) ReadByte() (byte, error) {
	if !er.fill() {
		return 0, io.EOF
	}
	c := er.pend[0]
	er.pend = er.pend[1:]
	return c, nil
}

// drain skips what is left of the entry.
func (er *entryReader) drain() {
	for er.fill() {
		er.pend = nil
	}
}

var errSitemapTooLarge = errors.New("sitemap larger than the limit")

// capReader reads at most max bytes of r; past them it fails with errSitemapTooLarge.
type capReader struct {
	r      io.Reader
	n, max int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n >= c.max {
		// One byte more tells a file of exactly max bytes from a larger one.
		var one [1]byte
		if n, _ := io.ReadFull(c.r, one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("%w of %d bytes uncompressed (crawl.max_sitemap_bytes)", errSitemapTooLarge, c.max)
	}
	if int64(len(p)) > c.max-c.n {
		p = p[:c.max-c.n]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
