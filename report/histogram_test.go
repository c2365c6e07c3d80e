package report_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/report"
)

// hist builds the report of records with these word counts.
func hist(words []int) *report.Report {
	b := report.NewBuilder()
	for _, w := range words {
		b.Add(&article.Article{PageType: article.PageArticle, Site: "s", WordCount: w})
	}
	return b.Report()
}

// logNormal returns n word counts spread as a log-normal distribution of this median
// and sigma (the quantiles (i+½)/n, so the same counts every run).
func logNormal(n int, median, sigma float64) []int {
	out := make([]int, n)
	for i := range out {
		z := math.Sqrt2 * math.Erfinv(2*(float64(i)+0.5)/float64(n)-1)
		out[i] = int(math.Round(median * math.Exp(sigma*z)))
	}
	return out
}

// checkBuckets asserts what every histogram holds: at most MaxBuckets contiguous bars
// from 0 or below the smallest count to beyond the largest, holding every count, each
// labelled by its range.
func checkBuckets(t *testing.T, r *report.Report) {
	t.Helper()
	h := r.WordHist
	if len(h) == 0 || len(h) > report.MaxBuckets {
		t.Fatalf("%d bars: %+v", len(h), h)
	}
	total := 0
	for i, b := range h {
		total += b.N
		if i > 0 && b.Lo != h[i-1].Hi+1 {
			t.Errorf("bar %d starts at %d, bar %d ends at %d", i, b.Lo, i-1, h[i-1].Hi)
		}
		if b.Hi >= 0 && b.Hi < b.Lo || b.Hi < 0 && i != len(h)-1 {
			t.Errorf("bar %d: %+v", i, b)
		}
		want := b.Label
		if b.Hi < 0 {
			if !strings.HasSuffix(want, "+") {
				t.Errorf("open bar %d labelled %q", i, want)
			}
		} else if !strings.Contains(want, "–") {
			t.Errorf("bar %d labelled %q", i, want)
		}
	}
	if total != r.Articles {
		t.Errorf("bars hold %d of %d articles", total, r.Articles)
	}
	if h[0].Lo > r.Words.Min || (h[len(h)-1].Hi >= 0 && h[len(h)-1].Hi < r.Words.Max) {
		t.Errorf("bars %d..%d do not cover min %d max %d", h[0].Lo, h[len(h)-1].Hi, r.Words.Min, r.Words.Max)
	}
}

func nonEmpty(h []report.Bucket) (n, fullest int) {
	for _, b := range h {
		if b.N > 0 {
			n++
		}
		fullest = max(fullest, b.N)
	}
	return n, fullest
}

// A crawl of 814 articles, 808 of a realistic spread (log-normal, median 900 words)
// and 6 giant pages of 30,000 to 80,000 words: equal bins over min..max put 808 in the
// first bar; the bins fitted to the 1st–99th percentiles are log-scale, more than 3
// bars hold articles and none holds more than a third.
func TestHistogramRealisticSpread(t *testing.T) {
	words := append(logNormal(808, 900, 0.5), 30000, 41000, 52000, 60000, 71000, 80000)
	r := hist(words)
	checkBuckets(t, r)
	n, fullest := nonEmpty(r.WordHist)
	if n <= 3 || 3*fullest > r.Articles {
		t.Errorf("%d non-empty bars, the fullest holds %d of %d: %+v", n, fullest, r.Articles, r.WordHist)
	}
	if r.WordBins != "log-scale bins" {
		t.Errorf("bins %q, want log-scale", r.WordBins)
	}
	last := r.WordHist[len(r.WordHist)-1]
	if last.Hi >= 0 || last.Lo > 30000 || last.N < 6 {
		t.Errorf("last bar %+v: want it open, holding the 6 giant pages", last)
	}

	// Listings and articles mixed (two humps a decade apart): log-scale bars show both.
	r = hist(append(logNormal(300, 60, 0.5), logNormal(700, 1200, 0.6)...))
	checkBuckets(t, r)
	if n, fullest := nonEmpty(r.WordHist); n <= 5 || 2*fullest > r.Articles {
		t.Errorf("listings and articles: %d non-empty bars, fullest %d: %+v", n, fullest, r.WordHist)
	}
}

// Narrow spreads get equal round-width bins; the exact bars of small cases.
func TestHistogramBins(t *testing.T) {
	seq := func(from, to, step int) (out []int) {
		for w := from; w <= to; w += step {
			out = append(out, w)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		words  []int
		bins   string
		labels []string
		counts []int
	}{
		{"demo-like 310–519", seq(310, 519, 10), "bins of 25 words",
			[]string{"300–324", "325–349", "350–374", "375–399", "400–424", "425–449", "450–474", "475–499", "500–524"},
			[]int{2, 2, 3, 2, 3, 2, 3, 2, 2}},
		{"all empty", []int{0, 0, 0}, "bins of 10 words", []string{"0–9"}, []int{3}},
		{"one count", []int{777}, "bins of 10 words", []string{"770–779"}, []int{1}},
		// 3% empty pages do not widen the bins: they join the first bar, open to 0.
		{"narrow with empty pages", append([]int{0, 0, 0}, seq(400, 590, 2)...), "bins of 20 words",
			[]string{"0–419", "420–439", "440–459", "460–479", "480–499", "500–519", "520–539", "540–559", "560–579", "580–599"},
			[]int{13, 10, 10, 10, 10, 10, 10, 10, 10, 6}},
		// 1-2-5 when the finer series need more than MaxBuckets bars; the lowest merge into the first.
		{"five decades", []int{1, 3, 30, 300, 3000, 30000, 99999}, "log-scale bins",
			[]string{"0–99", "100–199", "200–499", "500–999", "1000–1999", "2000–4999", "5000–9999", "10000–19999", "20000–49999", "50000–99999"},
			[]int{3, 0, 1, 0, 0, 1, 0, 0, 1, 1}},
		{"a decade and a half", seq(100, 3000, 100), "log-scale bins",
			[]string{"100–149", "150–199", "200–299", "300–499", "500–699", "700–999", "1000–1499", "1500–1999", "2000–2999", "3000–4999"},
			[]int{1, 0, 1, 2, 2, 3, 5, 5, 10, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := hist(tc.words)
			checkBuckets(t, r)
			if r.WordBins != tc.bins {
				t.Errorf("bins %q, want %q", r.WordBins, tc.bins)
			}
			var labels []string
			var counts []int
			for _, b := range r.WordHist {
				labels = append(labels, b.Label)
				counts = append(counts, b.N)
			}
			if d := cmp.Diff(tc.labels, labels); d != "" {
				t.Errorf("labels (-want +got):\n%s", d)
			}
			if tc.counts != nil {
				if d := cmp.Diff(tc.counts, counts); d != "" {
					t.Errorf("counts (-want +got):\n%s", d)
				}
			}
		})
	}
}

// Any mix of counts: the bars hold every record, contiguous, at most MaxBuckets.
func TestHistogramInvariants(t *testing.T) {
	x := uint64(42)
	next := func() uint64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }
	for range 300 {
		n := 1 + int(next()%400)
		scale := []int{1, 10, 100, 10000, 1 << 30}[next()%5]
		words := make([]int, n)
		for i := range words {
			words[i] = int(next() % uint64(scale+1))
			if next()%20 == 0 {
				words[i] = int(next() % (1 << 40))
			}
		}
		checkBuckets(t, hist(words))
	}
}

func TestCompactTicks(t *testing.T) {
	for v, want := range map[int]string{0: "0", 325: "325", 9999: "9999", 10000: "10k", 12500: "12.5k", 10250: "10.25k",
		75721: "75.7k", 250000: "250k", 1234567: "1235k", 10000000: "10M", 1 << 40: "1099512M"} {
		if got := report.CompactCount(v); got != want {
			t.Errorf("compact(%d) = %q, want %q", v, got, want)
		}
	}
}
