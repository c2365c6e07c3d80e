// Package bench measures the extractor: article-extraction benchmark F1 /
// precision / recall (the metric of shared/tools/score_aeb.py, reproduced
// exactly), Readability test-page titles, headings and list items, and speed
// against a bare golang.org/x/net/html parse. What it scores is the record's
// text as `crawl extract` writes it: extractor output passed through the
// default pipeline.
package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/extractors"
	"github.com/healthcrawl/healthcrawl/pipeline"
	"golang.org/x/net/html"
)

// Options select the data and outputs.
type Options struct {
	AEBDir         string // article-extraction benchmark (html/<id>.html.gz, ground-truth.json)
	ReadabilityDir string // readability test pages (pages/<name>/…); "" skips them
	PredPath       string // where to write predictions JSON; "" skips writing
	Worst          int    // worst pages to list (default 15)
	SpeedRounds    int    // timing rounds, best kept (default 3); <0 skips timing
	NoURL          bool   // extract without page URLs, as `crawl extract DIR` does
	Misses         bool   // list every readability-page miss (titles, headings, list items)
	TrafDir        string // go-trafilatura v1.12.2 source tree with its evaluation set; "" skips it
	WCXBDir        string // WCXB (dev/html, dev/ground-truth); "" skips it
	WCXBPred       string // where to write the WCXB predictions (score_wcxb.py's format); "" skips writing
}

// Doc is one page's score.
type Doc struct {
	ID                               string
	URL                              string
	TP, FP, FN                       float64
	Precision, Recall, F1            float64
	TrueTokens, PredTokens           int
	Accuracy                         float64
	HasPrecision, HasRecall, Missing bool
}

// Score is the corpus figure.
type Score struct {
	F1, Precision, Recall, Accuracy float64
	Docs, Empty                     int
	PerDoc                          []Doc
}

// Readability are the readability-page figures.
type Readability struct {
	Pages, TitleExact           int
	TitleSuffix                 int // exact, or expected = ours + a site-name suffix the extractor strips
	ItemsNoTOC, ItemsNoTOCFound int // list items not counting expected table-of-contents entries
	HeadingsBody                int // headings not counting References/Related/Comments… headings
	HeadingsBodyFound           int
	Headings, HeadingsFound     int
	Items, ItemsFound           int
	TitleMisses                 []string
	Dropped                     []string // pages the pipeline would drop in a crawl, with the reason
	HeadingsByPage, ItemsByPage map[string][2]int
	MissedHeadings, MissedItems map[string][]string // per page, expected entries not found
}

// Speed are one-core timings over the AEB pages.
type Speed struct {
	Docs                int
	Bytes               int64
	Parse, Extract, All time.Duration // bare parse; extractor; extractor + pipeline
}

// Result is everything Run measured.
type Result struct {
	AEB         Score
	Readability *Readability
	Trafilatura *TrafScore
	WCXB        *WCXBScore
	Speed       *Speed
}

type aebPage struct {
	id, url string
	body    []byte
}

// Processor is extraction as `crawl extract` does it: extractor then pipeline.
type Processor struct {
	ex     *extractors.Extractor
	runner *pipeline.Runner
}

// NewProcessor builds the extractor (no selectors) and the default pipeline.
func NewProcessor() (*Processor, error) {
	ex, err := extractors.New(extractors.Options{})
	if err != nil {
		return nil, fmt.Errorf("bench: extractor: %w", err)
	}
	cfg := config.Default().Pipeline
	r, err := pipeline.Build(cfg, nil)
	if err != nil {
		return nil, fmt.Errorf("bench: pipeline: %w", err)
	}
	return &Processor{ex: ex, runner: r}, nil
}

// NewProcessorLenient is NewProcessor, but stages of the default pipeline that
// fail to build are left out (and named in skipped) instead of failing.
func NewProcessorLenient() (p *Processor, skipped []string, err error) {
	if p, err = NewProcessor(); err == nil {
		return p, nil, nil
	}
	ex, err := extractors.New(extractors.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("bench: extractor: %w", err)
	}
	var cfg config.Pipeline
	for _, st := range config.Default().Pipeline.Stages {
		if _, err := pipeline.Build(config.Pipeline{Stages: []config.StageConfig{st}}, nil); err != nil {
			skipped = append(skipped, st.Name)
			continue
		}
		cfg.Stages = append(cfg.Stages, st)
	}
	r, err := pipeline.Build(cfg, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: pipeline: %w", err)
	}
	return &Processor{ex: ex, runner: r}, skipped, nil
}

// Process returns the record for one page, as `crawl extract` writes it: a
// record the pipeline would drop in a crawl is still returned (without --drop).
func (p *Processor) Process(ctx context.Context, url string, body []byte) (*article.Article, error) {
	a, _, err := p.ProcessReason(ctx, url, body)
	return a, err
}

// ProcessReason is Process that also returns the reason the pipeline would
// drop the record in a crawl ("" when it keeps it).
func (p *Processor) ProcessReason(ctx context.Context, url string, body []byte) (a *article.Article, reason string, err error) {
	a, err = p.ex.Extract(ctx, extractors.Page{URL: url, Body: body})
	if err != nil {
		return nil, "", err
	}
	if keep, why := p.runner.Process(ctx, a); !keep {
		reason = why
	}
	return a, reason, nil
}

// Run measures everything and writes the report to w.
func Run(ctx context.Context, opts Options, w io.Writer) (*Result, error) {
	if opts.Worst == 0 {
		opts.Worst = 15
	}
	if opts.SpeedRounds == 0 {
		opts.SpeedRounds = 3
	}
	proc, skipped, err := NewProcessorLenient()
	if err != nil {
		return nil, err
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "WARNING: pipeline stages not available, left out: %s\n", strings.Join(skipped, ", "))
	}
	pages, truth, err := loadAEBFor(opts)
	if err != nil {
		return nil, err
	}
	preds := make(map[string]string, len(pages))
	for _, pg := range pages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a, err := proc.Process(ctx, pg.url, pg.body)
		if err != nil {
			fmt.Fprintf(w, "error: %s: %v\n", pg.id, err)
			continue
		}
		preds[pg.id] = a.Text
	}
	if opts.PredPath != "" {
		if err := writePreds(opts.PredPath, preds); err != nil {
			return nil, err
		}
	}
	res := &Result{AEB: ScoreAEB(truth, preds)}
	s := res.AEB
	fmt.Fprintf(w, "article-extraction (%d pages, %s)\n", s.Docs, opts.AEBDir)
	fmt.Fprintf(w, "  F1 %.4f  precision %.4f  recall %.4f  accuracy %.4f  (empty %d)\n", s.F1, s.Precision, s.Recall, s.Accuracy, s.Empty)
	if opts.PredPath != "" {
		fmt.Fprintf(w, "  predictions: %s\n", opts.PredPath)
	}
	worst := append([]Doc(nil), s.PerDoc...)
	sort.Slice(worst, func(i, j int) bool {
		if worst[i].F1 != worst[j].F1 {
			return worst[i].F1 < worst[j].F1
		}
		return worst[i].ID < worst[j].ID
	})
	fmt.Fprintf(w, "  worst %d pages:\n  %-16s %6s %6s %6s %8s %8s  %s\n", opts.Worst, "id", "f1", "prec", "rec", "true_tok", "pred_tok", "url")
	for _, d := range worst[:min(opts.Worst, len(worst))] {
		fmt.Fprintf(w, "  %-16s %6.3f %6.3f %6.3f %8d %8d  %s\n", d.ID[:min(16, len(d.ID))], d.F1, d.Precision, d.Recall, d.TrueTokens, d.PredTokens, d.URL)
	}

	if opts.ReadabilityDir != "" {
		rd, err := runReadability(ctx, proc, opts.ReadabilityDir)
		if err != nil {
			return nil, err
		}
		res.Readability = rd
		fmt.Fprintf(w, "readability pages (%d, %s)\n", rd.Pages, opts.ReadabilityDir)
		if len(rd.Dropped) > 0 {
			fmt.Fprintf(w, "  %d pages the pipeline would drop in a crawl (crawl extract writes them: scored as written)\n", len(rd.Dropped))
			if opts.Misses {
				for _, d := range rd.Dropped {
					fmt.Fprintf(w, "    %s\n", d)
				}
			}
		}
		fmt.Fprintf(w, "  title exact    %d/%d = %.1f%%\n", rd.TitleExact, rd.Pages, pct(rd.TitleExact, rd.Pages))
		fmt.Fprintf(w, "  title exact or expected = ours + \" | Site\" suffix (stripped on purpose) %d/%d = %.1f%%\n", rd.TitleSuffix, rd.Pages, pct(rd.TitleSuffix, rd.Pages))
		fmt.Fprintf(w, "  headings found %d/%d = %.1f%%\n", rd.HeadingsFound, rd.Headings, pct(rd.HeadingsFound, rd.Headings))
		fmt.Fprintf(w, "  headings, References/Comments/Contents headings not counted (diverted on purpose) %d/%d = %.1f%%\n", rd.HeadingsBodyFound, rd.HeadingsBody, pct(rd.HeadingsBodyFound, rd.HeadingsBody))
		fmt.Fprintf(w, "  list items     %d/%d = %.1f%%\n", rd.ItemsFound, rd.Items, pct(rd.ItemsFound, rd.Items))
		fmt.Fprintf(w, "  list items, table-of-contents entries not counted (kept as role toc, out of text) %d/%d = %.1f%%\n", rd.ItemsNoTOCFound, rd.ItemsNoTOC, pct(rd.ItemsNoTOCFound, rd.ItemsNoTOC))
		if opts.Misses {
			printMisses(w, rd)
		}
	}

	if opts.TrafDir != "" {
		if _, err := os.Stat(filepath.Join(opts.TrafDir, "scripts", "comparison", "data.go")); err != nil {
			fmt.Fprintf(w, "trafilatura evaluation set: not found in %s (go mod download github.com/markusmobius/go-trafilatura@v1.12.2), skipped\n", opts.TrafDir)
		} else {
			ts, err := runTrafilatura(ctx, proc, opts.TrafDir, opts.Worst)
			if err != nil {
				return nil, err
			}
			res.Trafilatura = ts
			printTraf(w, ts, opts.TrafDir)
		}
	}

	if opts.WCXBDir != "" {
		if _, err := os.Stat(filepath.Join(opts.WCXBDir, "dev", "ground-truth")); err != nil {
			fmt.Fprintf(w, "WCXB: not found in %s (dev/ground-truth), skipped\n", opts.WCXBDir)
		} else {
			ws, err := runWCXB(ctx, proc, opts.WCXBDir, opts.WCXBPred)
			if err != nil {
				return nil, err
			}
			res.WCXB = ws
			printWCXB(w, ws, opts.WCXBDir, opts.WCXBPred, opts.Worst)
		}
	}

	if opts.SpeedRounds > 0 {
		sp, err := measureSpeed(ctx, proc, pages, opts.SpeedRounds)
		if err != nil {
			return nil, err
		}
		res.Speed = sp
		mb := float64(sp.Bytes) / 1e6
		fmt.Fprintf(w, "speed, one core (GOMAXPROCS=1), %d pages, %.1f MB, best of %d rounds\n", sp.Docs, mb, opts.SpeedRounds)
		for _, r := range []struct {
			name string
			d    time.Duration
		}{{"bare x/net/html parse", sp.Parse}, {"extractor", sp.Extract}, {"extractor+pipeline", sp.All}} {
			fmt.Fprintf(w, "  %-22s %8.1f ms  %7.1f docs/s  %6.2f MB/s  %.2fx parse\n", r.name, ms(r.d),
				float64(sp.Docs)/r.d.Seconds(), mb/r.d.Seconds(), r.d.Seconds()/sp.Parse.Seconds())
		}
	}
	return res, nil
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func loadAEB(dir string) ([]aebPage, map[string]truthItem, error) {
	gt := filepath.Join(dir, "ground-truth.json")
	raw, err := os.ReadFile(gt)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: read ground truth: %w", err)
	}
	var truth map[string]truthItem
	if err := json.Unmarshal(raw, &truth); err != nil {
		return nil, nil, fmt.Errorf("bench: parse %s: %w", gt, err)
	}
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	pages := make([]aebPage, 0, len(ids))
	for _, id := range ids {
		body, err := ReadPage(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, nil, err
		}
		pages = append(pages, aebPage{id: id, url: truth[id].URL, body: body})
	}
	return pages, truth, nil
}

func loadAEBFor(opts Options) ([]aebPage, map[string]truthItem, error) {
	pages, truth, err := loadAEB(opts.AEBDir)
	if err != nil || !opts.NoURL {
		return pages, truth, err
	}
	for i := range pages {
		pages[i].url = ""
	}
	return pages, truth, nil
}

// ReadPage reads a page file, gunzipping .gz files.
func ReadPage(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bench: read page: %w", err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("bench: gunzip %s: %w", path, err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("bench: gunzip %s: %w", path, err)
	}
	return body, nil
}

type truthItem struct {
	ArticleBody string `json:"articleBody"`
	URL         string `json:"url"`
}

func writePreds(path string, preds map[string]string) error {
	out := make(map[string]map[string]string, len(preds))
	for id, t := range preds {
		out[id] = map[string]string{"articleBody": t}
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return fmt.Errorf("bench: encode predictions: %w", err)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("bench: write predictions: %w", err)
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("bench: write predictions: %w", err)
	}
	return nil
}

// ---- the score_aeb.py metric ------------------------------------------------

// Tokens are maximal runs of word characters, as Python's \w+ (letters,
// numbers, underscore).
func Tokens(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		w := unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_'
		if w && start < 0 {
			start = i
		} else if !w && start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func shingles(toks []string) map[string]int {
	m := map[string]int{}
	if len(toks) == 0 {
		return m
	}
	if len(toks) < 4 {
		m[strings.Join(toks, "\x00")]++
		return m
	}
	for i := 0; i+4 <= len(toks); i++ {
		m[strings.Join(toks[i:i+4], "\x00")]++
	}
	return m
}

// DocCounts is score_aeb.py's doc_counts: tp/fp/fn normalised to sum 1.
func DocCounts(trueText, predText string) (tp, fp, fn float64, tTok, pTok []string) {
	tTok, pTok = Tokens(trueText), Tokens(predText)
	ts, ps := shingles(tTok), shingles(pTok)
	for k, t := range ts {
		p := ps[k]
		tp += float64(min(t, p))
		fp += float64(max(0, p-t))
		fn += float64(max(0, t-p))
	}
	for k, p := range ps {
		if _, ok := ts[k]; !ok {
			fp += float64(p)
		}
	}
	if total := tp + fp + fn; total > 0 {
		tp, fp, fn = tp/total, fp/total, fn/total
	}
	return tp, fp, fn, tTok, pTok
}

// ScoreAEB scores predictions (id → text; a missing id is an empty prediction).
func ScoreAEB(truth map[string]truthItem, preds map[string]string) Score {
	var s Score
	var psum, rsum, asum float64
	var pn, rn int
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		pred, ok := preds[id]
		tp, fp, fn, tt, pt := DocCounts(truth[id].ArticleBody, pred)
		d := Doc{ID: id, URL: truth[id].URL, TP: tp, FP: fp, FN: fn, TrueTokens: len(tt), PredTokens: len(pt), Missing: !ok}
		switch {
		case fp == 0 && fn == 0:
			d.Precision = 1
		case tp == 0 && fp == 0:
			d.Precision = 0
		default:
			d.Precision = tp / (tp + fp)
		}
		switch {
		case fp == 0 && fn == 0:
			d.Recall = 1
		case tp == 0 && fn == 0:
			d.Recall = 0
		default:
			d.Recall = tp / (tp + fn)
		}
		if equalTokens(tt, pt) {
			d.Accuracy = 1
		}
		if d.Precision+d.Recall > 0 {
			d.F1 = 2 * d.Precision * d.Recall / (d.Precision + d.Recall)
		}
		if tp+fp > 0 {
			d.HasPrecision = true
			psum += d.Precision
			pn++
		}
		if tp+fn > 0 {
			d.HasRecall = true
			rsum += d.Recall
			rn++
		}
		asum += d.Accuracy
		if len(pt) == 0 {
			s.Empty++
		}
		s.PerDoc = append(s.PerDoc, d)
	}
	s.Docs = len(ids)
	if pn > 0 {
		s.Precision = psum / float64(pn)
	}
	if rn > 0 {
		s.Recall = rsum / float64(rn)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	if s.Docs > 0 {
		s.Accuracy = asum / float64(s.Docs)
	}
	return s
}

func equalTokens(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ---- speed --------------------------------------------------------------------

func measureSpeed(ctx context.Context, proc *Processor, pages []aebPage, rounds int) (*Speed, error) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	sp := &Speed{Docs: len(pages)}
	for _, p := range pages {
		sp.Bytes += int64(len(p.body))
	}
	best := func(f func() error) (time.Duration, error) {
		var b time.Duration
		for i := 0; i < rounds; i++ {
			runtime.GC()
			t0 := time.Now()
			if err := f(); err != nil {
				return 0, err
			}
			if d := time.Since(t0); b == 0 || d < b {
				b = d
			}
		}
		return b, nil
	}
	var err error
	if sp.Parse, err = best(func() error {
		for _, p := range pages {
			if _, err := html.Parse(bytes.NewReader(p.body)); err != nil {
				return fmt.Errorf("bench: parse %s: %w", p.id, err)
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if sp.Extract, err = best(func() error {
		for _, p := range pages {
			if _, err := proc.ex.Extract(ctx, extractors.Page{URL: p.url, Body: p.body}); err != nil {
				return fmt.Errorf("bench: extract %s: %w", p.id, err)
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if sp.All, err = best(func() error {
		for _, p := range pages {
			if _, err := proc.Process(ctx, p.url, p.body); err != nil {
				return fmt.Errorf("bench: process %s: %w", p.id, err)
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return sp, nil
}
