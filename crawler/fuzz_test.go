package crawler

import (
	"net/url"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCanonicalize: no panic; a canonical URL is valid UTF-8 when the input is,
// re-parses, and is a fixed point.
func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{"https://Example.com:443/a/./b/../c/?utm_source=x&b=2&a=1#f", "http://h/%zz", "HTTP://[::1]:80/", "https://h/?a&&b=%20", "mailto:x@y", "//h/p", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := Canonicalize(raw)
		if err != nil {
			return
		}
		if utf8.ValidString(raw) && !utf8.ValidString(c) {
			t.Fatalf("Canonicalize(%q) = %q: invalid UTF-8", raw, c)
		}
		if _, err := url.Parse(c); err != nil {
			t.Fatalf("Canonicalize(%q) = %q does not parse: %v", raw, c, err)
		}
		c2, err := Canonicalize(c)
		if err != nil || c2 != c {
			t.Fatalf("not a fixed point: %q → %q → %q (%v)", raw, c, c2, err)
		}
		_ = Key(c)
	})
}

// FuzzParseSitemap: no panic on any body; links are never returned empty.
func FuzzParseSitemap(f *testing.F) {
	for _, s := range []string{`<urlset><url><loc>https://h/a</loc></url></urlset>`, `<rss><channel><item><link>x</link></item></channel></rss>`, "https://h/1\nhttps://h/2", "\x1f\x8b\x08", `<feed><entry><link href="a"/></entry></feed>`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, links, _ := parseSitemap(body)
		for _, l := range links {
			if l.URL == "" {
				t.Fatalf("empty link from %q", body)
			}
		}
	})
}

// FuzzScanLinks and FuzzTrapGuard: no panic on any input.
func FuzzScanLinks(f *testing.F) {
	f.Add([]byte(`<a href="/x" rel=nofollow><link rel=canonical href=/c><meta name=robots content="noindex,nofollow"><base href=//h/>`))
	f.Add([]byte("<a href=\"\xff\">"))
	f.Fuzz(func(t *testing.T, body []byte) {
		scanLinks(body, "healthcrawl")
	})
}

func FuzzTrapGuard(f *testing.F) {
	f.Add("https://h/a/a/a/2026-11?month=2099-01&page=3")
	g := defaultTrapGuard()
	g.Now = func() time.Time { return time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		g.Check(u, Entry{Barren: len(raw) % 8, Run: len(raw)})
		urlShape(u)
	})
}
