package crawler

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// maxSitemapBytes bounds a decompressed sitemap (the sitemaps protocol allows 50 MB).
const maxSitemapBytes = 50 << 20

// ErrMalformedSitemap marks a sitemap or feed that could not be parsed (entirely).
var ErrMalformedSitemap = errors.New("malformed sitemap")

// sitemapLink is one URL listed by a sitemap, sitemap index or feed.
type sitemapLink struct {
	URL     string
	LastMod string
	Sitemap bool // a child sitemap of a sitemap index
}

// parseSitemap reads an XML sitemap (<urlset>), sitemap index (<sitemapindex>),
// RSS 2.0 / RSS 1.0 feed, Atom feed or plain-text sitemap (one URL a line), gzipped
// or not. kind names what it was. On malformed input it returns the links read
// before the fault and an error wrapping ErrMalformedSitemap.
func parseSitemap(body []byte) (kind string, links []sitemapLink, err error) {
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return "gzip", nil, fmt.Errorf("%w: gzip: %v", ErrMalformedSitemap, err)
		}
		plain, err := io.ReadAll(io.LimitReader(zr, maxSitemapBytes+1))
		if err != nil {
			return "gzip", nil, fmt.Errorf("%w: gzip: %v", ErrMalformedSitemap, err)
		}
		if len(plain) > maxSitemapBytes {
			return "gzip", nil, fmt.Errorf("%w: larger than %d bytes uncompressed", ErrMalformedSitemap, maxSitemapBytes)
		}
		body = plain
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
	if len(trimmed) == 0 {
		return "empty", nil, fmt.Errorf("%w: empty body", ErrMalformedSitemap)
	}
	if trimmed[0] != '<' {
		return parseTextSitemap(trimmed)
	}
	return parseXMLSitemap(trimmed)
}

func parseTextSitemap(body []byte) (string, []sitemapLink, error) {
	var links []sitemapLink
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "http://") && !strings.HasPrefix(line, "https://") {
			return "text", links, fmt.Errorf("%w: line %q is not a URL", ErrMalformedSitemap, truncate(line, 80))
		}
		links = append(links, sitemapLink{URL: line})
	}
	if err := sc.Err(); err != nil {
		return "text", links, fmt.Errorf("%w: %v", ErrMalformedSitemap, err)
	}
	return "text", links, nil
}

func parseXMLSitemap(body []byte) (string, []sitemapLink, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = charset.NewReaderLabel
	dec.Entity = xml.HTMLEntity
	var (
		root  string
		stack []string
		text  strings.Builder
		cur   sitemapLink
		links []sitemapLink
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
			break
		}
		if err != nil {
			return root, links, fmt.Errorf("%w: %v", ErrMalformedSitemap, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if root == "" {
				root = name
				switch root {
				case "urlset", "sitemapindex", "rss", "feed", "rdf":
				default:
					return root, nil, fmt.Errorf("%w: root element <%s> is not a sitemap or feed", ErrMalformedSitemap, t.Name.Local)
				}
			}
			stack = append(stack, name)
			text.Reset()
			if root == "feed" && name == "link" && parent() == "entry" {
				var href, rel string
				for _, a := range t.Attr {
					switch strings.ToLower(a.Name.Local) {
					case "href":
						href = a.Value
					case "rel":
						rel = a.Value
					}
				}
				if href != "" && (rel == "" || rel == "alternate") && cur.URL == "" {
					cur.URL = strings.TrimSpace(href)
				}
			}
		case xml.CharData:
			if text.Len() < 8<<10 {
				text.Write(t)
			}
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			val := strings.TrimSpace(text.String())
			switch {
			case name == "loc" && (parent() == "url" || parent() == "sitemap"):
				cur.URL = val
			case name == "lastmod" && (parent() == "url" || parent() == "sitemap"):
				cur.LastMod = val
			case (name == "url" && root == "urlset") || (name == "sitemap" && root == "sitemapindex"):
				if cur.URL != "" {
					cur.Sitemap = name == "sitemap"
					links = append(links, cur)
				}
				cur = sitemapLink{}
			case name == "link" && parent() == "item" && val != "":
				cur.URL = val
			case name == "guid" && parent() == "item" && cur.URL == "" && strings.HasPrefix(val, "http"):
				cur.URL = val
			case (name == "pubdate" || name == "date") && parent() == "item":
				cur.LastMod = val
			case name == "updated" && parent() == "entry":
				cur.LastMod = val
			case name == "item" || (name == "entry" && root == "feed"):
				if cur.URL != "" {
					links = append(links, cur)
				}
				cur = sitemapLink{}
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			text.Reset()
		}
	}
	if root == "" {
		return "", nil, fmt.Errorf("%w: no XML element", ErrMalformedSitemap)
	}
	return root, links, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
