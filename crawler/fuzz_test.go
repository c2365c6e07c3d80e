package crawler

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
)

// FuzzCanonicalize: no panic; a canonical URL is valid UTF-8 when the input is,
// re-parses, and is a fixed point.
func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{"https://Example.com:443/a/./b/../c/?utm_source=x&b=2&a=1#f", "http://h/%zz", "HTTP://[::1]:80/", "https://h/?a&&b=%20", "mailto:x@y", "//h/p", "", "https://h/a;jsessionid=1F;v=2/b;SID=3?PHPSESSID=x&sidebar=1", "https://h/%3B;x/;aspsessionidAB=1"} {
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

// FuzzScanSitemap: no panic on any body; the stats match what was passed on; a
// usable entry has an absolute http(s) URL, a lost one a reason and a detail; and
// reading the body one byte at a time (other buffer boundaries) gives the same.
func FuzzScanSitemap(f *testing.F) {
	for _, s := range []string{
		`<urlset><url><loc>https://h/a</loc></url></urlset>`,
		`<rss><channel><item><link>x</link></item></channel></rss>`,
		"https://h/1\nhttps://h/2", "\x1f\x8b\x08",
		`<feed><entry><link href="a"/></entry></feed>`,
		"<urlset><url><loc>https://h/\xff</loc></url><url><loc>https://h/b</loc></url></urlset>",
		`<?xml version="1.0" encoding="ISO-8859-1"?><!DOCTYPE x [<!ENTITY a "b">]><!-- <url> --><sitemapindex><sitemap><loc><![CDATA[https://h/s]]></loc></sitemap></sitemapindex>`,
		`<urlset><url><loc a="x>https://h/q</loc></url><url/><url><loc>https://h/r</url></urlset>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		scan := func(r io.Reader) ([]string, sitemapStats, error) {
			var got []string
			good, bad := 0, 0
			st, err := scanSitemap(r, sitemapOptions{MaxURLs: 20, MaxBytes: 1 << 20}, func(it sitemapEntry) {
				if it.Fault != "" {
					bad++
					if it.Err == nil {
						t.Fatalf("fault %q without detail", it.Fault)
					}
					got = append(got, "!"+it.Fault)
					return
				}
				good++
				if it.u == nil || (it.u.Scheme != "http" && it.u.Scheme != "https") || it.u.Host == "" {
					t.Fatalf("usable entry %q is not an absolute http(s) URL", it.URL)
				}
				got = append(got, it.URL+" "+it.LastMod)
			})
			if st.URLs != good || st.Bad != bad || st.URLs > 20 {
				t.Fatalf("stats %+v, passed %d usable, %d lost", st, good, bad)
			}
			if err != nil && !errors.Is(err, ErrMalformedSitemap) {
				t.Fatalf("error %v does not wrap ErrMalformedSitemap", err)
			}
			return got, st, err
		}
		got, st, err := scan(bytes.NewReader(body))
		got1, st1, err1 := scan(iotest.OneByteReader(bytes.NewReader(body)))
		if fmt.Sprint(got) != fmt.Sprint(got1) || st != st1 || fmt.Sprint(err) != fmt.Sprint(err1) {
			t.Fatalf("one byte at a time differs:\n%v %+v %v\n%v %+v %v", got, st, err, got1, st1, err1)
		}
	})
}

// FuzzScanLinks and FuzzTrapGuard: no panic on any input.
func FuzzScanLinks(f *testing.F) {
	f.Add([]byte(`<a href="/x" rel=nofollow><link rel=canonical href=/c><meta name=robots content="noindex,nofollow"><base href=//h/>`))
	f.Add([]byte("<a href=\"\xff\">"))
	f.Fuzz(func(t *testing.T, body []byte) {
		scanLinks(body, "healthcrawl", 0)
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
		// Every input is also a fetched page with one of a few texts: copies galore.
		g.observePage(Entry{URL: raw, Kind: KindPage}, trapPage(fmt.Sprint(len(raw)%3)))
		g.Check(u, Entry{Barren: len(raw) % 8, Run: len(raw), Parent: raw})
		g.CheckQueued(Entry{URL: raw, Kind: KindPage})
		urlShape(u)
	})
}
