// Package extractors turns an HTML page into a raw *article.Article with goquery:
// metadata, main content as ordered sections and blocks, related-article stubs and
// references. One Extractor is immutable after New and safe for concurrent use.
package extractors

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

// Page is a fetched page. Body is the raw response body (any charset); Extract
// decodes it to UTF-8 with DecodeHTML.
type Page struct {
	URL       string      // address requested (or given with --url)
	FinalURL  string      // address after redirects; empty = URL
	Status    int         // HTTP status, 0 for files
	Header    http.Header // response header, may be nil
	Body      []byte
	FetchedAt time.Time
}

// Options configure an Extractor.
type Options struct {
	// Selectors override the generic heuristics (per-site, from YAML).
	Selectors config.Selectors
}

// Extractor extracts articles. STUB: replaced by the real extractor.
type Extractor struct{ opts Options }

// New compiles the options into an Extractor.
func New(opts Options) (*Extractor, error) { return &Extractor{opts: opts}, nil }

// DecodeHTML converts body to UTF-8 using contentType, BOM, <meta charset> or sniffing.
// STUB.
func DecodeHTML(body []byte, contentType string) ([]byte, error) { return body, nil }

// Extract parses p once and returns the raw article (PageType set; Sections, Related…
// filled; Finalize called). STUB.
func (e *Extractor) Extract(ctx context.Context, p Page) (*article.Article, error) {
	body, err := DecodeHTML(p.Body, p.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", p.URL, err)
	}
	a := &article.Article{SchemaVersion: article.SchemaVersion, URL: p.URL, PageType: article.PageArticle}
	a.Title = strings.TrimSpace(doc.Find("title").First().Text())
	sec := article.Section{}
	doc.Find("p").Each(func(_ int, s *goquery.Selection) {
		sec.Blocks = append(sec.Blocks, article.Block{Type: article.BlockParagraph, Text: strings.TrimSpace(s.Text())})
	})
	a.Sections = []article.Section{sec}
	a.Finalize()
	return a, nil
}
