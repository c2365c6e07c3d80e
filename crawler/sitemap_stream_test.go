package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/config"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// scanAll runs scanSitemap over body and returns the usable links, the faults (reason
// → count) and the stats.
func scanAll(t *testing.T, body []byte, opt sitemapOptions) ([]sitemapLink, map[string]int, sitemapStats, error) {
	t.Helper()
	var links []sitemapLink
	faults := map[string]int{}
	st, err := scanSitemap(bytes.NewReader(body), opt, func(it sitemapEntry) {
		if it.Fault != "" {
			if it.Err == nil {
				t.Errorf("fault %q without a detail", it.Fault)
			}
			faults[it.Fault]++
			return
		}
		if it.u == nil || it.u.String() == "" {
			t.Errorf("usable entry %q without a parsed URL", it.URL)
		}
		links = append(links, it.sitemapLink)
	})
	if st.URLs != len(links) {
		t.Errorf("stats URLs = %d, links passed = %d", st.URLs, len(links))
	}
	n := 0
	for _, c := range faults {
		n += c
	}
	if st.Bad != n {
		t.Errorf("stats Bad = %d, faults passed = %d", st.Bad, n)
	}
	return links, faults, st, err
}

// bigURLSet is a <urlset> of n URLs https://h/p/0 … (lastmod on every 7th).
func bigURLSet(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">` + "\n")
	for i := range n {
		if i%7 == 0 {
			fmt.Fprintf(&b, "<url><loc>https://h/p/%d</loc><lastmod>2026-01-%02d</lastmod><image:image><image:loc>https://h/i/%d.jpg</image:loc></image:image></url>\n", i, i%28+1, i)
		} else {
			fmt.Fprintf(&b, "<url><loc>https://h/p/%d</loc></url>\n", i)
		}
	}
	b.WriteString("</urlset>\n")
	return b.Bytes()
}

// The protocol's 50,000 URLs of one file are all read; the ones past them are
// counted, not read.
func TestScanSitemap50000(t *testing.T) {
	links, faults, st, err := scanAll(t, bigURLSet(50000), sitemapOptions{})
	if err != nil {
		t.Fatalf("scanSitemap: %v", err)
	}
	if len(links) != 50000 || len(faults) != 0 || st.OverLimit != 0 || st.Kind != "urlset" {
		t.Fatalf("links %d, faults %v, over limit %d, kind %q; want 50000, none, 0, urlset", len(links), faults, st.OverLimit, st.Kind)
	}
	for i, l := range links {
		if want := fmt.Sprintf("https://h/p/%d", i); l.URL != want {
			t.Fatalf("link %d = %q, want %q", i, l.URL, want)
		}
		if wantMod := fmt.Sprintf("2026-01-%02d", i%28+1); (i%7 == 0) != (l.LastMod == wantMod) {
			t.Fatalf("link %d lastmod %q", i, l.LastMod)
		}
	}

	links, _, st, err = scanAll(t, bigURLSet(50003), sitemapOptions{})
	if err != nil || len(links) != 50000 || st.OverLimit != 3 || links[49999].URL != "https://h/p/49999" {
		t.Fatalf("50,003 URLs: %d links (last %q), over limit %d, err %v; want 50000, 3", len(links), links[len(links)-1].URL, st.OverLimit, err)
	}
}

// One bad entry loses itself only: every other entry, before and after it, is read.
func TestScanSitemapBadEntries(t *testing.T) {
	good := func(i int) string { return fmt.Sprintf("<url><loc>https://h/ok/%d</loc></url>\n", i) }
	bad := []struct {
		name, entry, reason string
	}{
		{"invalid byte in loc", "<url><loc>https://h/bad\xff</loc></url>\n", ReasonSitemapXML},
		{"lone surrogate", "<url><loc>https://h/\xed\xa0\x80</loc></url>\n", ReasonSitemapXML},
		{"tag inside loc", "<url><loc>https://h/<b</loc></url>\n", ReasonSitemapXML},
		{"broken start tag", "<url><loc href=\"x>https://h/q</loc></url>\n", ReasonSitemapXML},
		{"no loc", "<url><lastmod>2026-01-01</lastmod></url>\n", ReasonSitemapNoURL},
		{"empty url element", "<url/>\n", ReasonSitemapNoURL},
		{"relative URL", "<url><loc>/relative</loc></url>\n", ReasonSitemapBadURL},
		{"javascript URL", "<url><loc>javascript:alert(1)</loc></url>\n", ReasonSitemapBadURL},
		{"unclosed url, loc cut", "<url><loc>https://h/x\n", ReasonSitemapXML},
		{"end tag without start", "<u\xffrl><loc>https://h/y</loc></url>\n", ReasonSitemapXML},
		{"loc too long", "<url><loc>https://h/" + strings.Repeat("a", maxFieldBytes) + "</loc></url>\n", ReasonSitemapBadURL},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
			for i := range 50 {
				b.WriteString(good(i))
			}
			b.WriteString(tc.entry)
			for i := 50; i < 100; i++ {
				b.WriteString(good(i))
			}
			b.WriteString("</urlset>")
			links, faults, _, err := scanAll(t, []byte(b.String()), sitemapOptions{})
			if err != nil {
				t.Fatalf("scanSitemap: %v", err)
			}
			if len(links) != 100 {
				t.Fatalf("%d links, want 100 (faults %v)", len(links), faults)
			}
			for i, l := range links {
				if want := fmt.Sprintf("https://h/ok/%d", i); l.URL != want {
					t.Fatalf("link %d = %q, want %q", i, l.URL, want)
				}
			}
			if d := cmp.Diff(map[string]int{tc.reason: 1}, faults); d != "" {
				t.Errorf("faults (-want +got):\n%s", d)
			}
		})
	}
}

// Lenient where the meaning is clear: an unescaped & in a URL, an entry whose end
// tag is missing but whose <loc> was read whole, CDATA, namespace prefixes, entities.
func TestScanSitemapLenient(t *testing.T) {
	body := `<?xml version="1.0"?>
<!DOCTYPE urlset>
<!-- a comment with <url><loc>https://h/not-an-entry</loc></url> inside -->
<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
<sm:url><sm:loc>https://h/a?x=1&y=2</sm:loc></sm:url>
<url><loc>https://h/b</loc>
<url><loc><![CDATA[https://h/c?q=<1>]]></loc></url>
<URL><LOC>https://h/d?x=1&amp;y=&#50;</LOC></URL>
<url><loc>https://h/e&nbsp;</loc></url>
</sm:urlset>
<url><loc>https://h/after-the-root</loc></url>`
	links, faults, st, err := scanAll(t, []byte(body), sitemapOptions{})
	if err != nil {
		t.Fatalf("scanSitemap: %v", err)
	}
	var got []string
	for _, l := range links {
		got = append(got, l.URL)
	}
	want := []string{"https://h/a?x=1&y=2", "https://h/b", "https://h/c?q=<1>", "https://h/d?x=1&y=2", "https://h/e"}
	if d := cmp.Diff(want, got); d != "" || len(faults) != 0 || st.Kind != "urlset" {
		t.Errorf("links (-want +got):\n%s\nfaults %v, kind %q", d, faults, st.Kind)
	}
}

// A sitemap index, RSS and Atom feeds and text sitemaps lose their bad entries only.
func TestScanSitemapOtherKindsBadEntry(t *testing.T) {
	tests := []struct {
		name, kind, body string
		want             []sitemapLink
		faults           map[string]int
	}{
		{"index", "sitemapindex", `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://h/s1.xml</loc><lastmod>2026-02-03</lastmod></sitemap>
<sitemap><loc>https://h/s2` + "\xff" + `.xml</loc></sitemap>
<sitemap><loc>https://h/s3.xml.gz</loc></sitemap>
</sitemapindex>`, []sitemapLink{{URL: "https://h/s1.xml", LastMod: "2026-02-03", Sitemap: true}, {URL: "https://h/s3.xml.gz", Sitemap: true}},
			map[string]int{ReasonSitemapXML: 1}},
		{"rss", "rss", `<rss version="2.0"><channel><link>https://h/</link>
<item><link>https://h/p1</link><pubDate>Mon, 02 Jan 2026 10:00:00 GMT</pubDate></item>
<item><title>Bad <b>title</title><link>https://h/p2</link></item>
<item><title>no link</title></item>
<item><guid>https://h/p3</guid></item>
</channel></rss>`, []sitemapLink{{URL: "https://h/p1", LastMod: "Mon, 02 Jan 2026 10:00:00 GMT"}, {URL: "https://h/p2"}, {URL: "https://h/p3"}},
			map[string]int{ReasonSitemapNoURL: 1}},
		{"atom", "feed", `<feed xmlns="http://www.w3.org/2005/Atom"><link href="https://h/"/>
<entry><link rel="edit" href="https://h/edit"/><link href="https://h/e1"/><updated>2026-03-04T05:06:07Z</updated></entry>
<entry><link href="https://h/e2" ` + "\xff" + `/></entry>
<entry><link href="https://h/e3"/></entry>
</feed>`, []sitemapLink{{URL: "https://h/e1", LastMod: "2026-03-04T05:06:07Z"}, {URL: "https://h/e3"}},
			map[string]int{ReasonSitemapXML: 1}},
		{"text", "text", "https://h/t1\nnot a url\nhttps://h/t2\xff\r\n\nhttps://h/t3\n",
			[]sitemapLink{{URL: "https://h/t1"}, {URL: "https://h/t3"}}, map[string]int{ReasonSitemapBadURL: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			links, faults, st, err := scanAll(t, []byte(tt.body), sitemapOptions{})
			if err != nil {
				t.Fatalf("scanSitemap: %v", err)
			}
			if d := cmp.Diff(tt.want, links, cmp.AllowUnexported(sitemapLink{})); d != "" {
				t.Errorf("links (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.faults, faults); d != "" {
				t.Errorf("faults (-want +got):\n%s", d)
			}
			if st.Kind != tt.kind {
				t.Errorf("kind %q, want %q", st.Kind, tt.kind)
			}
		})
	}
}

// Faults of the whole file: named, wrapping ErrMalformedSitemap, with what was read
// before them passed on.
func TestScanSitemapFileFaults(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bigURLSet(3))
	zw.Close()
	big := bigURLSet(1000)
	var gzBig bytes.Buffer
	zw = gzip.NewWriter(&gzBig)
	zw.Write(big)
	zw.Close()
	tests := []struct {
		name  string
		body  []byte
		opt   sitemapOptions
		links int
		err   string // "" = no error
	}{
		{"gzip", gz.Bytes(), sitemapOptions{}, 3, ""},
		{"gzip cut", gzBig.Bytes()[:gzBig.Len()/2], sitemapOptions{}, 0, "cut off"},
		{"too large", big, sitemapOptions{MaxBytes: int64(len(big) / 2)}, 0, "larger than the limit of"},
		{"exactly the limit", big, sitemapOptions{MaxBytes: int64(len(big))}, 1000, ""},
		{"gzip bomb", gz.Bytes(), sitemapOptions{MaxBytes: 200}, 0, "larger than the limit of 200 bytes"},
		{"cut inside entry", []byte(`<urlset><url><loc>https://h/ok</loc></url><url><loc>https://h/cu`), sitemapOptions{}, 1, "cut off inside entry 2"},
		{"cut between entries", []byte(`<urlset><url><loc>https://h/ok</loc></url>`), sitemapOptions{}, 1, "ends before </urlset>"},
		{"html", []byte("\n<!DOCTYPE html><html><body>Not found</body></html>"), sitemapOptions{}, 0, "root element <html> is not a sitemap or feed"},
		{"empty", []byte(" \n\t"), sitemapOptions{}, 0, "empty body"},
		{"json", []byte(`{"urls": []}`), sitemapOptions{}, 0, "is not a URL"},
		{"no element", []byte(`<?xml version="1.0"?><!-- nothing -->`), sitemapOptions{}, 0, "no XML element"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 1}, sitemapOptions{}, 0, "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			links, _, _, err := scanAll(t, tt.body, tt.opt)
			if tt.name == "too large" || tt.name == "gzip cut" {
				// Some entries come before the limit; all of them are whole.
				if len(links) == 0 || len(links) >= 1000 {
					t.Errorf("%d links before the limit", len(links))
				}
			} else if len(links) != tt.links {
				t.Errorf("%d links, want %d", len(links), tt.links)
			}
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("err %v, want none", err)
			case tt.err != "" && (!errors.Is(err, ErrMalformedSitemap) || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("err %v, want ErrMalformedSitemap with %q", err, tt.err)
			}
		})
	}
}

// Charsets: UTF-16 with a BOM, and the encoding the XML declaration names.
func TestScanSitemapCharsets(t *testing.T) {
	doc := "<urlset><url><loc>https://h/caf\u00e9</loc></url><url><loc>https://h/na\u00efve</loc></url></urlset>"
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(`<?xml version="1.0" encoding="UTF-16"?>` + doc)
	if err != nil {
		t.Fatal(err)
	}
	latin, err := charmap.ISO8859_1.NewEncoder().String(`<?xml version="1.0" encoding="ISO-8859-1"?>` + doc)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"utf-16": u16, "iso-8859-1": latin, "utf-8 bom": "\xef\xbb\xbf" + doc} {
		links, faults, _, err := scanAll(t, []byte(body), sitemapOptions{})
		if err != nil || len(faults) != 0 || len(links) != 2 || links[0].URL != "https://h/caf\u00e9" || links[1].URL != "https://h/na\u00efve" {
			t.Errorf("%s: links %v, faults %v, err %v", name, links, faults, err)
		}
	}
}

// scanSitemap reads a stream: it never needs the whole file, and a reader that
// fails midway loses what comes after only.
func TestScanSitemapStream(t *testing.T) {
	body := bigURLSet(2000)
	half := body[:len(body)/2]
	whole := bytes.Count(half, []byte("</url>"))
	r := io.MultiReader(bytes.NewReader(half), iotestErrReader{errors.New("connection reset")})
	n := 0
	_, err := scanSitemap(r, sitemapOptions{}, func(it sitemapEntry) {
		if it.Fault == "" {
			n++
		}
	})
	if n != whole || !errors.Is(err, ErrMalformedSitemap) || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("%d links, err %v; want the %d entries before the failure and the read error", n, err, whole)
	}
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

// readSitemap queues every usable entry, files each lost entry as failed with its
// reason and the entries past 50,000 as over_limit in one line.
func TestReadSitemapAccounting(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for i := range 50005 {
		switch i {
		case 10:
			b.WriteString("<url><loc>https://h.test/bad\xff</loc></url>\n")
		case 20:
			b.WriteString("<url><loc>/relative</loc></url>\n")
		}
		fmt.Fprintf(&b, "<url><loc>https://h.test/p/%d</loc></url>\n", i)
	}
	b.WriteString("</urlset>")

	cfg := config.Default()
	obey := false
	cfg.Sites = []config.Site{{Name: "s", StartURLs: []string{"https://h.test/"}, ObeyRobots: &obey}}
	var errs bytes.Buffer
	ctx := context.Background()
	j := newJob(cfg, JobOptions{}, slog.New(slog.DiscardHandler), nil, &errs, func(error) {})
	s, err := newSiteRun(ctx, j, cfg.Sites[0])
	if err != nil {
		t.Fatal(err)
	}
	const sm = "https://h.test/sitemap.xml"
	st, err := s.readSitemap(ctx, Entry{URL: sm, Kind: KindSitemap}, bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("readSitemap: %v", err)
	}
	if st.URLs != 50000 || st.Bad != 2 || st.OverLimit != 5 {
		t.Errorf("stats %+v, want 50000 URLs, 2 bad, 5 over limit", st)
	}
	if n, _ := s.frontier.Len(ctx); n != 50000 {
		t.Errorf("frontier holds %d entries, want 50000", n)
	}
	e, ok, _ := s.frontier.Pop(ctx)
	if !ok || e.URL != "https://h.test/p/0" || e.Parent != sm || e.Kind != KindPage {
		t.Errorf("first entry %+v", e)
	}
	cats, reasons := j.acct.snapshot()
	want := map[string]map[string]int{
		CatFailed:    {ReasonSitemapXML: 1, ReasonSitemapBadURL: 1},
		CatOverLimit: {ReasonSitemapEntries: 5},
	}
	if d := cmp.Diff(want, reasons); d != "" || cats[CatFailed] != 2 || cats[CatOverLimit] != 5 {
		t.Errorf("reasons (-want +got):\n%s\ncategories %v", d, cats)
	}
	var lines []ErrorRecord
	for _, l := range strings.Split(strings.TrimSpace(errs.String()), "\n") {
		var rec ErrorRecord
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("errors line %q: %v", l, err)
		}
		lines = append(lines, rec)
	}
	if len(lines) != 3 {
		t.Fatalf("errors file has %d lines, want 3:\n%s", len(lines), errs.String())
	}
	for _, rec := range lines {
		if rec.URL != sm || rec.Stage != "sitemap" {
			t.Errorf("line %+v: want url %s, stage sitemap", rec, sm)
		}
		switch rec.Reason {
		case ReasonSitemapXML:
			if !strings.Contains(rec.Error, "entry 11 (line 12)") || !strings.Contains(rec.Error, "invalid UTF-8") {
				t.Errorf("invalid XML line: error %q, want the entry, line and fault", rec.Error)
			}
		case ReasonSitemapBadURL:
			if !strings.Contains(rec.Error, `"/relative"`) {
				t.Errorf("bad URL line: error %q", rec.Error)
			}
		case ReasonSitemapEntries:
			if rec.Count != 5 || rec.Category != CatOverLimit {
				t.Errorf("over-limit line %+v, want count 5", rec)
			}
		default:
			t.Errorf("unexpected line %+v", rec)
		}
	}
}

// BenchmarkScanSitemap reads a 50,000-URL sitemap (bytes/s: uncompressed XML).
func BenchmarkScanSitemap(b *testing.B) {
	body := bigURLSet(50000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if _, err := scanSitemap(bytes.NewReader(body), sitemapOptions{}, func(sitemapEntry) { n++ }); err != nil || n != 50000 {
			b.Fatalf("%d entries, %v", n, err)
		}
	}
}
