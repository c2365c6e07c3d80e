// Package report summarises a crawl output: articles per site, the word-count
// distribution, languages, how often each field is filled, and the top error reasons
// from an errors file. It renders the summary as a plain-text table (WriteTable) and
// as a self-contained HTML page with inline SVG charts (WriteHTML).
package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

// ErrorRecord is one line of an errors file (crawler.ErrorRecord's JSON fields).
type ErrorRecord struct {
	Site     string `json:"site"`
	URL      string `json:"url"`
	Category string `json:"category"`
	Stage    string `json:"stage"`
	Reason   string `json:"reason"`
	Status   int    `json:"status"`
	Error    string `json:"error"`
	Attempts int    `json:"attempts"`
	// Count is how many URLs a grouped line stands for (0: one).
	Count int `json:"count"`
}

// Count is a label and how many records have it.
type Count struct {
	Label string
	N     int
}

// Fill is how many articles have a field set.
type Fill struct {
	Field  string
	Filled int
	Pct    float64 // 0–100
}

// Bucket is one bar of the word-count histogram: counts with Lo ≤ words ≤ Hi
// (Hi < 0: no upper bound).
type Bucket struct {
	Label  string
	Lo, Hi int
	N      int
}

// WordStats summarise the word counts.
type WordStats struct {
	Min, Median, P90, Max int
	Mean                  float64
}

// SiteRow is the per-site breakdown: articles, median words and fill rates (% of the
// site's articles) of the fields in SiteFields.
type SiteRow struct {
	Site         string
	Articles     int
	MedianWords  int
	Fill         []float64 // parallel to SiteFields
	LanguagesTop string    // most frequent language
}

// SiteFields are the fields of the per-site breakdown.
var SiteFields = []string{"title", "authors", "published_at", "related"}

// Report is the summary of one crawl output.
type Report struct {
	Inputs     []string
	ErrorsPath string
	Articles   int
	Sites      []Count // articles per site, most first
	PageTypes  []Count
	Languages  []Count // "" shown as "(none)"
	Words      WordStats
	WordHist   []Bucket
	Fill       []Fill
	PerSite    []SiteRow // same order as Sites
	// Errors: lines of the errors file; by category; top reasons ("category: reason").
	Errors       int
	ErrorCats    []Count
	ErrorReasons []Count
	ErrorSites   []Count
}

// TopReasons is how many error reasons the report lists.
const TopReasons = 10

// fillFields are the fields whose fill rate is reported, in order.
var fillFields = []struct {
	name string
	set  func(a *article.Article) bool
}{
	{"title", func(a *article.Article) bool { return strings.TrimSpace(a.Title) != "" }},
	{"description", func(a *article.Article) bool { return a.Description != "" }},
	{"authors", func(a *article.Article) bool { return len(a.Authors) > 0 }},
	{"published_at", func(a *article.Article) bool { return a.PublishedAt != "" }},
	{"modified_at", func(a *article.Article) bool { return a.ModifiedAt != "" }},
	{"language", func(a *article.Article) bool { return a.Language != "" }},
	{"reviewed_by", func(a *article.Article) bool { return a.ReviewedBy != "" }},
	{"image", func(a *article.Article) bool { return a.Image != "" }},
	{"related", func(a *article.Article) bool { return len(a.Related) > 0 }},
	{"references", func(a *article.Article) bool { return len(a.References) > 0 }},
	{"text", func(a *article.Article) bool { return a.Text != "" }},
}

// MaxBuckets bounds the bars of the word-count histogram.
const MaxBuckets = 10

var bucketSteps = []int{10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000}

// histogram bins sorted word counts in equal, round-width buckets (10, 25, 50, 100,
// 250, … words) covering min to max in at most MaxBuckets bars; counts beyond the
// widest step's range go into an open-ended last bar.
func histogram(sorted []int) []Bucket {
	if len(sorted) == 0 {
		return nil
	}
	lo, hi := sorted[0], sorted[len(sorted)-1]
	step := bucketSteps[len(bucketSteps)-1]
	for _, s := range bucketSteps {
		if hi/s-lo/s+1 <= MaxBuckets {
			step = s
			break
		}
	}
	start := lo / step * step
	n := min(hi/step-lo/step+1, MaxBuckets)
	out := make([]Bucket, n)
	for i := range out {
		b := Bucket{Lo: start + i*step, Hi: start + (i+1)*step - 1}
		b.Label = fmt.Sprintf("%d–%d", b.Lo, b.Hi)
		if i == n-1 && hi > b.Hi {
			b.Hi = -1
			b.Label = fmt.Sprintf("%d+", b.Lo)
		}
		out[i] = b
	}
	for _, w := range sorted {
		i := min((w-start)/step, n-1)
		out[i].N++
	}
	return out
}

// Builder accumulates records and errors; Report summarises them. Not safe for
// concurrent use.
type Builder struct {
	inputs     []string
	errorsPath string
	n          int
	sites      map[string]int
	types      map[string]int
	langs      map[string]int
	fill       []int
	words      []int
	siteWords  map[string][]int
	siteFill   map[string][]int
	siteLangs  map[string]map[string]int
	errs       int
	errCats    map[string]int
	errReasons map[string]int
	errSites   map[string]int
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{sites: map[string]int{}, types: map[string]int{}, langs: map[string]int{},
		fill: make([]int, len(fillFields)), siteWords: map[string][]int{}, siteFill: map[string][]int{},
		siteLangs: map[string]map[string]int{}, errCats: map[string]int{}, errReasons: map[string]int{}, errSites: map[string]int{}}
}

// MaxWordCount bounds the word count of a record in the report: no page has more,
// and a corrupt or hand-made file's larger (or negative) counts would overflow the
// histogram's arithmetic. Add counts a word count outside [0, MaxWordCount] as the
// nearest bound.
const MaxWordCount = 1 << 40

// Add counts one record.
func (b *Builder) Add(a *article.Article) {
	b.n++
	site := a.Site
	if site == "" {
		site = "(none)"
	}
	b.sites[site]++
	pt := a.PageType
	if pt == "" {
		pt = "(none)"
	}
	b.types[pt]++
	lang := a.Language
	if lang == "" {
		lang = "(none)"
	}
	b.langs[lang]++
	sf := b.siteFill[site]
	if sf == nil {
		sf = make([]int, len(fillFields))
		b.siteFill[site] = sf
		b.siteLangs[site] = map[string]int{}
	}
	for i, f := range fillFields {
		if f.set(a) {
			b.fill[i]++
			sf[i]++
		}
	}
	words := min(max(a.WordCount, 0), MaxWordCount)
	b.words = append(b.words, words)
	b.siteWords[site] = append(b.siteWords[site], words)
	b.siteLangs[site][lang]++
}

// AddError counts one errors-file line: one URL, or Count of them.
func (b *Builder) AddError(e ErrorRecord) {
	n := max(e.Count, 1)
	b.errs += n
	cat := e.Category
	if cat == "" {
		cat = "(none)"
	}
	b.errCats[cat] += n
	b.errReasons[cat+": "+ErrorReason(e)] += n
	if e.Site != "" {
		b.errSites[e.Site] += n
	}
}

// ErrorReason is the aggregatable reason of an error line: its reason field, else its
// stage and HTTP status, else the start of its error message.
func ErrorReason(e ErrorRecord) string {
	switch {
	case e.Reason != "":
		return e.Reason
	case e.Status != 0:
		return fmt.Sprintf("%s: HTTP %d", orDash(e.Stage), e.Status)
	case e.Error != "":
		msg := e.Error
		if i := strings.LastIndex(msg, ": "); i >= 0 && i < len(msg)-2 { // the innermost cause
			msg = msg[i+2:]
		}
		if len(msg) > 60 {
			msg = msg[:57] + "…"
		}
		return orDash(e.Stage) + ": " + msg
	}
	return orDash(e.Stage)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Report summarises what was added.
func (b *Builder) Report() *Report {
	r := &Report{Inputs: b.inputs, ErrorsPath: b.errorsPath, Articles: b.n, Errors: b.errs,
		Sites: sorted(b.sites, 0), PageTypes: sorted(b.types, 0), Languages: sorted(b.langs, 0),
		ErrorCats: sorted(b.errCats, 0), ErrorReasons: sorted(b.errReasons, TopReasons), ErrorSites: sorted(b.errSites, 0)}
	for i, f := range fillFields {
		pct := 0.0
		if b.n > 0 {
			pct = 100 * float64(b.fill[i]) / float64(b.n)
		}
		r.Fill = append(r.Fill, Fill{Field: f.name, Filled: b.fill[i], Pct: pct})
	}
	for _, sc := range r.Sites {
		ws := append([]int(nil), b.siteWords[sc.Label]...)
		sort.Ints(ws)
		row := SiteRow{Site: sc.Label, Articles: sc.N, MedianWords: ws[(len(ws)-1)/2]}
		for _, name := range SiteFields {
			for i, f := range fillFields {
				if f.name == name {
					row.Fill = append(row.Fill, 100*float64(b.siteFill[sc.Label][i])/float64(sc.N))
				}
			}
		}
		if langs := sorted(b.siteLangs[sc.Label], 1); len(langs) == 1 {
			row.LanguagesTop = langs[0].Label
		}
		r.PerSite = append(r.PerSite, row)
	}
	words := append([]int(nil), b.words...)
	sort.Ints(words)
	r.WordHist = histogram(words)
	sum := 0.0
	for _, w := range words {
		sum += float64(w)
	}
	if n := len(words); n > 0 {
		r.Words = WordStats{Min: words[0], Max: words[n-1], Median: words[(n-1)/2],
			P90: words[int(math.Ceil(0.9*float64(n)))-1], Mean: sum / float64(n)}
	}
	return r
}

// sorted lists m by count, most first, then label; limit > 0 keeps the first limit.
func sorted(m map[string]int, limit int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Label < out[j].Label
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Build reads every input (any format output.Read knows: jsonl, .jsonl.gz, json,
// parquet, sqlite, a files directory) and, when errorsPath is set, the errors file.
func Build(ctx context.Context, inputs []string, errorsPath string) (*Report, error) {
	b := NewBuilder()
	b.inputs, b.errorsPath = inputs, errorsPath
	for _, in := range inputs {
		err := output.Read(ctx, "", in, func(a *article.Article) error {
			b.Add(a)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if errorsPath != "" {
		f, err := os.Open(errorsPath)
		if err != nil {
			return nil, fmt.Errorf("read errors file %s: %w", errorsPath, err)
		}
		defer f.Close()
		if err := ReadErrors(f, errorsPath, b.AddError); err != nil {
			return nil, err
		}
	}
	return b.Report(), nil
}

// ReadErrors calls fn with each line of an errors file (JSON Lines). Blank lines are
// skipped; a line that is not JSON is an error naming it.
func ReadErrors(r io.Reader, name string, fn func(ErrorRecord)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e ErrorRecord
		if err := json.Unmarshal(b, &e); err != nil {
			return fmt.Errorf("read errors file %s: line %d: %w", name, line, err)
		}
		fn(e)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read errors file %s: %w", name, err)
	}
	return nil
}

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return strconv.FormatFloat(100*float64(n)/float64(of), 'f', 1, 64) + "%"
}
