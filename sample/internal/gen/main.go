// Command gen renders the bundled sample site (sample/site/) from the content
// files in internal/gen/content and the page templates in internal/gen/templates.
//
// Run it from the sample directory (go generate ./sample does that):
//
//	go run ./internal/gen
//
// The generated files are committed; the sample package only embeds and serves them.
// Absolute URLs are written with the placeholder {{BASE}}, which the handler replaces
// with the scheme and host of each request.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// basePlaceholder is what the handler substitutes at serve time. Templates write
// baseMarker (URL-safe, so html/template leaves it alone) and the generator
// rewrites it to basePlaceholder after rendering.
const (
	basePlaceholder = "{{BASE}}"
	baseMarker      = "http://base.placeholder.invalid"
	perPage         = 5
	excerptLen      = 80
)

// Site is the site-wide information shown on every page.
type Site struct {
	Name    string
	Tagline string
	Base    string
}

// Category is one topic section of the site.
type Category struct {
	Slug  string
	Name  string
	Blurb string
}

// URL is the category's first listing page.
func (c Category) URL() string { return "/category/" + c.Slug + "/" }

var categories = []Category{
	{"pain-and-movement", "Pain & Movement", "Back pain, stretching, exercise and recovery."},
	{"nutrition", "Nutrition", "Food, supplements, hydration and what the labels mean."},
	{"mind-and-sleep", "Mind & Sleep", "The brain, stress, rest and mental health."},
	{"conditions", "Conditions & Prevention", "Common conditions, vaccines and staying well."},
}

// Article is one article page's content and metadata.
type Article struct {
	Slug        string
	ID          int    // post id, by publication order
	Template    string // blog, news, reference
	Category    Category
	Title       string
	Description string
	Author      string
	AuthorRole  string
	Published   time.Time
	Modified    time.Time
	Reviewer    string
	Reviewed    time.Time
	JSONLDType  string
	Caption     string
	RelatedSlug []string
	Blocks      []Block
}

// URL is the article's root-relative address.
func (a *Article) URL() string { return "/articles/" + a.Slug + ".html" }

// Lead is the plain text of the first paragraph.
func (a *Article) Lead() string {
	for _, b := range a.Blocks {
		if b.Kind == "p" {
			return plain(b.Text)
		}
	}
	return ""
}

// Excerpt is the site's related-posts excerpt: the title and the lead run together
// and cut at excerptLen characters, mid-word, with no ellipsis.
func (a *Article) Excerpt() string {
	r := []rune(a.Title + " " + a.Lead())
	if len(r) > excerptLen {
		r = r[:excerptLen]
	}
	return strings.TrimSpace(string(r))
}

// Stub is one related-post entry.
type Stub struct {
	Title, URL, Excerpt string
}

// Comment is one reader comment on a blog post.
type Comment struct {
	Author, Date, Text string
}

// Page is the data passed to every template.
type Page struct {
	Site       Site
	Categories []Category
	A          *Article
	Body       template.HTML
	TOC        []Block
	Related    []Stub
	ReadNext   []*Article
	Recent     []*Article
	Comments   []Comment
	JSONLD     template.JS

	// listings
	Heading  string
	Blurb    string
	Cat      *Category
	Items    []*Article
	PageNum  int
	Pages    int
	Prev     string
	Next     string
	Canon    string
	ByCat    map[string][]*Article
	AllCount int
}

var site = Site{Name: "Hearthside Health", Tagline: "Plain-spoken health articles, checked by clinicians", Base: baseMarker}

var commentPool = []Comment{
	{"Linda K.", "", "Thank you for writing this so clearly. I shared it with my sister, who has been asking about exactly this."},
	{"Marcus", "", "Helpful overview. I would add that it took me a few weeks before I noticed any difference, so be patient."},
	{"Priya S.", "", "Good reminder to check with a doctor first. My GP caught something I had been ignoring for months."},
	{"Tom B.", "", "I tried this after reading the post last month and it has made a real difference for me."},
	{"Aisha", "", "Could you write a follow-up about how this applies to older adults? My parents would find it useful."},
	{"Daniel R.", "", "Bookmarked. The list format makes it easy to come back to."},
}

func main() {
	root := flag.String("root", ".", "the sample package directory")
	out := flag.String("out", "", "output directory (default ROOT/site)")
	flag.Parse()
	if *out == "" {
		*out = filepath.Join(*root, "site")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*root, *out, log); err != nil {
		log.Error("generate sample site", "err", err)
		os.Exit(1)
	}
}

// run renders the site from root's content and templates into out, replacing
// whatever out held.
func run(root, out string, log *slog.Logger) error {
	arts, err := loadArticles(filepath.Join(root, "internal", "gen", "content"))
	if err != nil {
		return err
	}
	tmpl, err := template.New("").Funcs(template.FuncMap{
		"date":  func(t time.Time) string { return t.Format("January 2, 2006") },
		"iso":   func(t time.Time) string { return t.Format("2006-01-02") },
		"isoTS": func(t time.Time) string { return t.Format("2006-01-02T15:04:05Z07:00") },
		"abs":   func(p string) string { return baseMarker + p },
		"add":   func(a, b int) int { return a + b },
		"trunc": func(s string, n int) string {
			r := []rune(s)
			if len(r) <= n {
				return s
			}
			cut := string(r[:n])
			if i := strings.LastIndex(cut, " "); i > 0 {
				cut = cut[:i]
			}
			return cut + "…"
		},
		"pageURL": pageURL,
	}).ParseGlob(filepath.Join(root, "internal", "gen", "templates", "*.html"))
	if err != nil {
		return fmt.Errorf("parse templates: %w", err)
	}

	if err := os.RemoveAll(out); err != nil {
		return fmt.Errorf("clean %s: %w", out, err)
	}
	files := map[string][]byte{}

	bySlug := map[string]*Article{}
	for _, a := range arts {
		bySlug[a.Slug] = a
	}
	// newest first
	sorted := slices.Clone(arts)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].Published.Equal(sorted[j].Published) {
			return sorted[i].Published.After(sorted[j].Published)
		}
		return sorted[i].Slug < sorted[j].Slug
	})
	for i, a := range sorted {
		a.ID = 100 + len(sorted) - i
	}
	byCat := map[string][]*Article{}
	for _, a := range sorted {
		byCat[a.Category.Slug] = append(byCat[a.Category.Slug], a)
	}
	var blogs, news []*Article
	for _, a := range sorted {
		switch a.Template {
		case "blog":
			blogs = append(blogs, a)
		case "news":
			news = append(news, a)
		}
	}

	render := func(name string, p *Page, file string) error {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, name, p); err != nil {
			return fmt.Errorf("render %s: %w", file, err)
		}
		files[file] = bytes.ReplaceAll(buf.Bytes(), []byte(baseMarker), []byte(basePlaceholder))
		return nil
	}

	for i, a := range arts {
		p := &Page{Site: site, Categories: categories, A: a}
		switch a.Template {
		case "blog":
			p.Body = renderBlocks(a.Blocks, 5, nil)
			for _, s := range a.RelatedSlug {
				r, ok := bySlug[s]
				if !ok {
					return fmt.Errorf("%s: related %q: no such article", a.Slug, s)
				}
				p.Related = append(p.Related, Stub{Title: r.Title, URL: r.URL(), Excerpt: r.Excerpt()})
			}
			for _, r := range blogs {
				if r != a && len(p.Recent) < 5 {
					p.Recent = append(p.Recent, r)
				}
			}
			n := 2 + i%2
			for k := 0; k < n; k++ {
				c := commentPool[(i*2+k)%len(commentPool)]
				c.Date = a.Published.AddDate(0, 0, 1+k*3).Format("January 2, 2006")
				p.Comments = append(p.Comments, c)
			}
		case "news":
			h2s := 0
			first, last := -1, -1
			for j, b := range a.Blocks {
				if b.Kind == "h2" {
					h2s++
					last = j
					if first < 0 {
						first = j
					}
				}
			}
			if first < 1 {
				first = 2
			}
			p.Body = renderBlocks(a.Blocks, 4, func(j int) string {
				switch {
				case j == first:
					return adSlot("in-article-1")
				case j == last && h2s > 1:
					return newsletterBox()
				case j == len(a.Blocks):
					return adSlot("in-article-2")
				}
				return ""
			})
			idx := slices.Index(news, a)
			for k := 1; k <= 3; k++ {
				p.ReadNext = append(p.ReadNext, news[(idx+k)%len(news)])
			}
			ld, err := newsJSONLD(a)
			if err != nil {
				return err
			}
			p.JSONLD = ld
		case "reference":
			p.Body = renderBlocks(a.Blocks, 4, nil)
			for _, b := range a.Blocks {
				if b.Kind == "h2" {
					p.TOC = append(p.TOC, b)
				}
			}
		}
		if err := render(a.Template, p, "articles/"+a.Slug+".html"); err != nil {
			return err
		}
	}

	// Home page: the eight newest articles and every category's newest three.
	home := &Page{Site: site, Categories: categories, Items: sorted[:8], ByCat: map[string][]*Article{}, Canon: "/", AllCount: len(arts)}
	for c, as := range byCat {
		home.ByCat[c] = as[:min(3, len(as))]
	}
	if err := render("home", home, "index.html"); err != nil {
		return err
	}
	for ci := range categories {
		c := &categories[ci]
		as := byCat[c.Slug]
		pages := (len(as) + perPage - 1) / perPage
		for n := 1; n <= pages; n++ {
			p := &Page{Site: site, Categories: categories, Cat: c, Heading: c.Name, Blurb: c.Blurb,
				Items: as[(n-1)*perPage : min(n*perPage, len(as))], PageNum: n, Pages: pages, Canon: pageURL(c.Slug, n)}
			if n > 1 {
				p.Prev = pageURL(c.Slug, n-1)
			}
			if n < pages {
				p.Next = pageURL(c.Slug, n+1)
			}
			file := strings.TrimPrefix(pageURL(c.Slug, n), "/") + "index.html"
			if err := render("listing", p, file); err != nil {
				return err
			}
		}
	}
	if err := render("private", &Page{Site: site, Categories: categories}, "private/editorial-drafts.html"); err != nil {
		return err
	}
	if err := render("notfound", &Page{Site: site, Categories: categories}, "404.html"); err != nil {
		return err
	}

	// robots.txt and sitemap.xml
	files["robots.txt"] = []byte("# Hearthside Health\nUser-agent: *\nDisallow: /private/\n\nSitemap: " + basePlaceholder + "/sitemap.xml\n")
	var sm strings.Builder
	sm.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	sm.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	bySlugSorted := slices.Clone(arts)
	sort.Slice(bySlugSorted, func(i, j int) bool { return bySlugSorted[i].Slug < bySlugSorted[j].Slug })
	for _, a := range bySlugSorted {
		fmt.Fprintf(&sm, "\t<url>\n\t\t<loc>%s%s</loc>\n\t\t<lastmod>%s</lastmod>\n\t</url>\n",
			basePlaceholder, a.URL(), a.Modified.Format("2006-01-02"))
	}
	sm.WriteString("</urlset>\n")
	files["sitemap.xml"] = []byte(sm.String())

	static := filepath.Join(root, "internal", "gen", "static")
	err = filepath.WalkDir(static, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(static, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return fmt.Errorf("copy static: %w", err)
	}

	if err := checkLinks(files); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		dst := filepath.Join(out, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("mkdir for %s: %w", dst, err)
		}
		if err := os.WriteFile(dst, files[n], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", dst, err)
		}
	}
	log.Info("generated sample site", "files", len(files), "articles", len(arts), "dir", out)
	return nil
}

func pageURL(cat string, n int) string {
	if n <= 1 {
		return "/category/" + cat + "/"
	}
	return fmt.Sprintf("/category/%s/page/%d/", cat, n)
}

func adSlot(id string) string {
	return `				<div class="ad-slot" id="` + id + `" aria-hidden="true">
					<span class="ad-label">Advertisement</span>
					<div class="ad-creative">Sponsored content loads here</div>
				</div>
`
}

func newsletterBox() string {
	return `				<aside class="newsletter-box">
					<h3>Get our Wellness Wire newsletter</h3>
					<p>Sign up for our free newsletter and get the latest health news delivered to your inbox every Tuesday.</p>
					<form class="newsletter-form" action="#" method="post"><input type="email" name="email" placeholder="Your email address"> <button type="submit">Subscribe</button></form>
					<p class="newsletter-legal">By subscribing you agree to our Privacy Policy. You can unsubscribe at any time.</p>
				</aside>
`
}

func newsJSONLD(a *Article) (template.JS, error) {
	typ := a.JSONLDType
	if typ == "" {
		typ = "NewsArticle"
	}
	person := func(name string) map[string]string { return map[string]string{"@type": "Person", "name": name} }
	ld := map[string]any{
		"@context":         "https://schema.org",
		"@type":            typ,
		"headline":         a.Title,
		"description":      a.Description,
		"author":           []any{person(a.Author)},
		"datePublished":    a.Published.Format("2006-01-02T15:04:05Z07:00"),
		"dateModified":     a.Modified.Format("2006-01-02T15:04:05Z07:00"),
		"reviewedBy":       person(a.Reviewer),
		"lastReviewed":     a.Reviewed.Format("2006-01-02"),
		"inLanguage":       "en",
		"mainEntityOfPage": baseMarker + a.URL(),
		"image":            baseMarker + "/assets/placeholder.svg",
		"articleSection":   a.Category.Name,
		"publisher": map[string]any{
			"@type": "Organization", "name": site.Name,
			"logo": map[string]string{"@type": "ImageObject", "url": baseMarker + "/assets/logo.svg"},
		},
	}
	b, err := json.MarshalIndent(ld, "\t\t", "\t")
	if err != nil {
		return "", fmt.Errorf("json-ld for %s: %w", a.Slug, err)
	}
	return template.JS(b), nil //nolint:gosec // json.Marshal escapes <, > and &
}

var hrefRe = regexp.MustCompile(`(?:href|src)="([^"]*)"`)

// checkLinks fails when a root-relative link points to no generated file.
func checkLinks(files map[string][]byte) error {
	var errs []error
	for name, b := range files {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		for _, m := range hrefRe.FindAllSubmatch(b, -1) {
			u := string(m[1])
			if !strings.HasPrefix(u, "/") {
				continue
			}
			u, _, _ = strings.Cut(u, "#")
			p := strings.TrimPrefix(u, "/")
			if p == "" || strings.HasSuffix(p, "/") {
				p += "index.html"
			}
			if _, ok := files[path.Clean(p)]; !ok {
				errs = append(errs, fmt.Errorf("%s: broken link %s", name, m[1]))
			}
		}
	}
	return errors.Join(errs...)
}

func loadArticles(dir string) ([]*Article, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read content dir %s: %w", dir, err)
	}
	var arts []*Article
	seen := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		a, err := loadArticle(p)
		if err != nil {
			return nil, err
		}
		if seen[a.Slug] {
			return nil, fmt.Errorf("%s: duplicate slug %q", p, a.Slug)
		}
		seen[a.Slug] = true
		arts = append(arts, a)
	}
	return arts, nil
}

func loadArticle(p string) (*Article, error) {
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	head, body, ok := strings.Cut(string(raw), "\n---\n")
	if !ok {
		return nil, fmt.Errorf("%s: missing --- separator", p)
	}
	a := &Article{Slug: strings.TrimSuffix(filepath.Base(p), ".txt")}
	parseDate := func(k, v string) (time.Time, error) {
		t, err := time.Parse("2006-01-02 15:04", v)
		if err != nil {
			t, err = time.Parse("2006-01-02", v)
		}
		if err != nil {
			return t, fmt.Errorf("%s: %s: %w", p, k, err)
		}
		return t, nil
	}
	for _, l := range strings.Split(head, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("%s: bad header line %q", p, l)
		}
		v = strings.TrimSpace(v)
		switch k {
		case "template":
			a.Template = v
		case "category":
			i := slices.IndexFunc(categories, func(c Category) bool { return c.Slug == v })
			if i < 0 {
				return nil, fmt.Errorf("%s: unknown category %q", p, v)
			}
			a.Category = categories[i]
		case "title":
			a.Title = v
		case "description":
			a.Description = v
		case "author":
			a.Author = v
		case "author_role":
			a.AuthorRole = v
		case "published", "modified", "reviewed":
			t, err := parseDate(k, v)
			if err != nil {
				return nil, err
			}
			switch k {
			case "published":
				a.Published = t
			case "modified":
				a.Modified = t
			default:
				a.Reviewed = t
			}
		case "reviewer":
			a.Reviewer = v
		case "jsonld_type":
			a.JSONLDType = v
		case "caption":
			a.Caption = v
		case "related":
			for _, s := range strings.Split(v, ",") {
				a.RelatedSlug = append(a.RelatedSlug, strings.TrimSpace(s))
			}
		default:
			return nil, fmt.Errorf("%s: unknown header key %q", p, k)
		}
	}
	if a.Modified.IsZero() {
		a.Modified = a.Published
	}
	if a.Reviewed.IsZero() {
		a.Reviewed = a.Modified
	}
	switch {
	case a.Title == "" || a.Author == "" || a.Published.IsZero() || a.Category.Slug == "":
		return nil, fmt.Errorf("%s: title, author, published and category are required", p)
	case a.Template != "blog" && a.Template != "news" && a.Template != "reference":
		return nil, fmt.Errorf("%s: unknown template %q", p, a.Template)
	case a.Template != "blog" && a.Reviewer == "":
		return nil, fmt.Errorf("%s: %s pages need a reviewer", p, a.Template)
	}
	a.Blocks, err = parseBody(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return a, nil
}
