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
// (Hi < 0: no upper bound). The first bar starts at 0 and the last has no upper
// bound when they also hold the tails beyond the 1st and 99th percentiles (see
// histogram).
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
	// WordBins describes the histogram's bins: "log-scale bins" or "bins of 25
	// words".
	WordBins string
	Fill     []Fill
	PerSite  []SiteRow // same order as Sites
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

// LogSpread is the spread of the middle 98% of the non-zero word counts (99th
// percentile over the 1st) beyond which the histogram's bins are log-scale.
const LogSpread = 10

var bucketSteps = []int{10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000}

// histogram bins sorted word counts into at most MaxBuckets bars with round edges,
// and describes the bins. The bins are fitted to the middle 98% of the non-zero
// counts (1st to 99th percentile, nearest rank), so that a few very long or empty
// pages do not squeeze every other article into one bar: the counts below and above
// go into the first and the last bar, which are then open-ended ("0–199", "5000+").
//
// Word counts are long-tailed (a crawl holds 150-word news items and 8,000-word
// guides), so when that range spans more than a factor of LogSpread the bins are
// log-scale, on the finest round series that fits in MaxBuckets bars: 1-1.25-1.5-2-
// 2.5-3-4-5-6-8, else 1-1.5-2-3-5-7, else 1-2-5 (…, 100, 200, 500, 1000, …; with
// more bars still, the lowest are merged into the first). Otherwise the bins have
// equal, round widths (10, 20, 25, 50, 100, … words): the smallest that covers the
// range in MaxBuckets bars.
func histogram(sorted []int) ([]Bucket, string) {
	if len(sorted) == 0 {
		return nil, ""
	}
	lo, hi := 0, 0
	if pos := sorted[sort.SearchInts(sorted, 1):]; len(pos) > 0 {
		lo, hi = percentile(pos, 1), percentile(pos, 99)
	}
	var edges []int // bar i holds edges[i] ≤ words < edges[i+1]
	desc := "log-scale bins"
	if hi > LogSpread*max(lo, 1) {
		edges = logEdges(lo, hi)
	} else {
		var step int
		edges, step = linearEdges(lo, hi)
		desc = fmt.Sprintf("bins of %d words", step)
	}
	n := len(edges) - 1
	out := make([]Bucket, n)
	for i := range out {
		out[i] = Bucket{Lo: edges[i], Hi: edges[i+1] - 1}
	}
	if sorted[0] < out[0].Lo {
		out[0].Lo = 0
	}
	if sorted[len(sorted)-1] > out[n-1].Hi {
		out[n-1].Hi = -1
	}
	for i := range out {
		b := &out[i]
		if b.Hi < 0 {
			b.Label = fmt.Sprintf("%d+", b.Lo)
		} else {
			b.Label = fmt.Sprintf("%d–%d", b.Lo, b.Hi)
		}
	}
	for _, w := range sorted {
		i := sort.SearchInts(edges, w+1) - 1 // the last edge ≤ w
		out[min(max(i, 0), n-1)].N++
	}
	return out, desc
}

// percentile is the p-th percentile (0 < p ≤ 100) of sorted, nearest rank.
func percentile(sorted []int, p int) int {
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i, 1), len(sorted))-1]
}

// linearEdges are the edges of equal bars of round width covering lo..hi: the
// smallest step of bucketSteps that needs at most MaxBuckets bars (with the largest
// step, the first MaxBuckets bars).
func linearEdges(lo, hi int) ([]int, int) {
	step := bucketSteps[len(bucketSteps)-1]
	for _, s := range bucketSteps {
		if hi/s-lo/s+1 <= MaxBuckets {
			step = s
			break
		}
	}
	start := lo / step * step
	n := min(hi/step-lo/step+1, MaxBuckets)
	edges := make([]int, n+1)
	for i := range edges {
		edges[i] = start + i*step
	}
	return edges, step
}

// logSeries are the round series of log-scale bins, finest first: the multiples of
// each power of ten that are edges.
var logSeries = [][]float64{{1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8}, {1, 1.5, 2, 3, 5, 7}, {1, 2, 5}}

// logEdges are the edges of the finest of logSeries that covers lo..hi in at most
// MaxBuckets bars (with the coarsest, the last MaxBuckets bars). An edge of 1 becomes
// 0, so that the first bar starts at 0.
func logEdges(lo, hi int) []int {
	var edges []int
	for _, ms := range logSeries {
		edges = seriesEdges(ms, lo, hi)
		if len(edges)-1 <= MaxBuckets {
			break
		}
	}
	edges = edges[max(len(edges)-MaxBuckets-1, 0):]
	if edges[0] == 1 {
		edges[0] = 0
	}
	return edges
}

// seriesEdges are the values of the series ms × 1, 10, 100, … (rounded, distinct) from
// the largest ≤ max(lo, 1) to the first > hi.
func seriesEdges(ms []float64, lo, hi int) []int {
	var edges []int
	for mag := 1; ; mag *= 10 {
		for _, m := range ms {
			e := int(math.Round(m * float64(mag)))
			if len(edges) > 0 && e <= edges[len(edges)-1] {
				continue
			}
			if e <= max(lo, 1) {
				edges = edges[:0] // only the largest edge ≤ lo is kept
			}
			edges = append(edges, e)
			if e > hi {
				return edges
			}
		}
	}
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
	r.WordHist, r.WordBins = histogram(words)
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
