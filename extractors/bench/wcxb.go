package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/healthcrawl/healthcrawl/article"
)

// WCXB page types, in the order score_wcxb.py prints them.
var wcxbTypes = []string{"article", "forum", "product", "collection", "listing", "documentation", "service"}

// WCXBPage is one annotated page of the WCXB development split.
type WCXBPage struct {
	ID, URL, Type       string
	MainContent         string
	With, Without       []string
	Title, Author, Date string
	HTMLPath            string
}

// WCXBPred is one page's prediction, as score_wcxb.py reads it.
type WCXBPred struct {
	Text        string   `json:"text"`
	Title       string   `json:"title"`
	Authors     []string `json:"author"`
	PublishDate string   `json:"publish_date"`
}

// WCXBDoc is one page's figures.
type WCXBDoc struct {
	ID, URL, Type         string
	Precision, Recall, F1 float64
	With, Without         float64
	Empty                 bool
	// Field verdicts: 0 not judged (no ground truth), 1 right, -1 wrong.
	Title, Author, Date int
	Got, Want           [3]string // title, author, date: predicted and expected
}

// WCXBGroup is a macro average over pages.
type WCXBGroup struct {
	Pages                                             int
	F1, Precision, Recall, WithRate, WithoutRate      float64
	Empty                                             int
	TitleOK, TitleN, AuthorOK, AuthorN, DateOK, DateN int
}

// WCXBScore is the whole figure.
type WCXBScore struct {
	All    WCXBGroup
	ByType map[string]*WCXBGroup
	Docs   []WCXBDoc
}

// LoadWCXB reads dir/dev/ground-truth/*.json (the pages whose ground truth is an object).
func LoadWCXB(dir string) ([]WCXBPage, error) {
	gtDir := filepath.Join(dir, "dev", "ground-truth")
	ents, err := os.ReadDir(gtDir)
	if err != nil {
		return nil, fmt.Errorf("bench: wcxb: %w", err)
	}
	var pages []WCXBPage
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(gtDir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("bench: wcxb: %w", err)
		}
		var f struct {
			URL      string `json:"url"`
			Internal struct {
				PageType json.RawMessage `json:"page_type"`
			} `json:"_internal"`
			GT json.RawMessage `json:"ground_truth"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("bench: wcxb: %s: %w", e.Name(), err)
		}
		var gt struct {
			Title       any      `json:"title"`
			Author      any      `json:"author"`
			PublishDate any      `json:"publish_date"`
			MainContent string   `json:"main_content"`
			With        []string `json:"with"`
			Without     []string `json:"without"`
		}
		if len(f.GT) == 0 || f.GT[0] != '{' || json.Unmarshal(f.GT, &gt) != nil {
			continue // evaluate.py skips such files
		}
		id := strings.TrimSuffix(e.Name(), ".json")
		pages = append(pages, WCXBPage{
			ID: id, URL: f.URL, Type: wcxbPageType(f.Internal.PageType),
			MainContent: gt.MainContent, With: gt.With, Without: gt.Without,
			Title: strField(gt.Title), Author: strField(gt.Author), Date: strField(gt.PublishDate),
			HTMLPath: filepath.Join(dir, "dev", "html", id+".html.gz"),
		})
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i].ID < pages[j].ID })
	return pages, nil
}

func strField(v any) string {
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s)
	}
	return ""
}

func wcxbPageType(raw json.RawMessage) string {
	var obj struct {
		Primary string `json:"primary"`
	}
	var s string
	t := "article"
	if json.Unmarshal(raw, &obj) == nil && obj.Primary != "" {
		t = obj.Primary
	} else if json.Unmarshal(raw, &s) == nil && s != "" {
		t = s
	}
	if t == "category" {
		t = "collection"
	}
	return t
}

// PredictWCXB is a record as score_wcxb.py wants it.
func PredictWCXB(a *article.Article) WCXBPred {
	if a == nil {
		return WCXBPred{}
	}
	return WCXBPred{Text: a.Text, Title: a.Title, Authors: a.Authors, PublishDate: a.PublishedAt}
}

// wcxbTokens are Python's re.findall(r'\w+', text.lower()).
func wcxbTokens(s string) []string {
	s = strings.ToLower(s)
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_')
	})
}

func wcxbPRF(pred, ref string) (p, r, f float64) {
	pt, rt := wcxbTokens(pred), wcxbTokens(ref)
	if len(rt) == 0 {
		if len(pt) == 0 {
			return 1, 1, 1
		}
		return 0, 0, 0
	}
	if len(pt) == 0 {
		return 0, 0, 0
	}
	cnt := make(map[string]int, len(rt))
	for _, t := range rt {
		cnt[t]++
	}
	overlap := 0
	for _, t := range pt {
		if cnt[t] > 0 {
			cnt[t]--
			overlap++
		}
	}
	p = float64(overlap) / float64(len(pt))
	r = float64(overlap) / float64(len(rt))
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}

func snippetRate(text string, snippets []string) float64 {
	if len(snippets) == 0 {
		return 1
	}
	low := strings.ToLower(text)
	n := 0
	for _, s := range snippets {
		if strings.Contains(low, strings.ToLower(s)) {
			n++
		}
	}
	return float64(n) / float64(len(snippets))
}

func wcxbNorm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

var leadingBy = regexp.MustCompile(`^by\s+`)

func wcxbAuthorOK(names []string, gt string) bool {
	g := leadingBy.ReplaceAllString(wcxbNorm(gt), "")
	for _, n := range names {
		p := leadingBy.ReplaceAllString(wcxbNorm(n), "")
		if p == "" || g == "" {
			continue
		}
		if (len(p) >= 3 && strings.Contains(g, p)) || (len(g) >= 3 && strings.Contains(p, g)) {
			return true
		}
	}
	return false
}

var wcxbDate = regexp.MustCompile(`(\d{4})-(\d{2})(?:-(\d{2}))?`)

func wcxbDateOK(pred, gt string) bool {
	m := wcxbDate.FindStringSubmatch(pred)
	g := wcxbDate.FindStringSubmatch(gt)
	if m == nil || g == nil || m[3] == "" || !strings.HasPrefix(strings.TrimSpace(gt), g[0]) {
		return false
	}
	if g[3] != "" {
		return m[0][:10] == g[0][:10]
	}
	return m[0][:7] == g[0][:7]
}

func verdict(ok bool) int {
	if ok {
		return 1
	}
	return -1
}

// ScoreWCXB scores predictions as score_wcxb.py does (text macro averages; a
// metadata field judged on the pages whose ground truth has it, a missing
// prediction counting as wrong).
func ScoreWCXB(pages []WCXBPage, preds map[string]WCXBPred) *WCXBScore {
	s := &WCXBScore{ByType: map[string]*WCXBGroup{}}
	for _, pg := range pages {
		pr := preds[pg.ID]
		d := WCXBDoc{ID: pg.ID, URL: pg.URL, Type: pg.Type}
		d.Precision, d.Recall, d.F1 = wcxbPRF(pr.Text, pg.MainContent)
		d.With, d.Without = snippetRate(pr.Text, pg.With), snippetRate(pr.Text, pg.Without)
		d.Empty = len(wcxbTokens(pr.Text)) == 0
		d.Got = [3]string{pr.Title, strings.Join(pr.Authors, "; "), pr.PublishDate}
		d.Want = [3]string{pg.Title, pg.Author, pg.Date}
		if pg.Title != "" {
			d.Title = verdict(wcxbNorm(pr.Title) == wcxbNorm(pg.Title) && strings.TrimSpace(pr.Title) != "")
		}
		if pg.Author != "" {
			d.Author = verdict(wcxbAuthorOK(pr.Authors, pg.Author))
		}
		if pg.Date != "" {
			d.Date = verdict(wcxbDateOK(pr.PublishDate, pg.Date))
		}
		s.Docs = append(s.Docs, d)
		g := s.ByType[pg.Type]
		if g == nil {
			g = &WCXBGroup{}
			s.ByType[pg.Type] = g
		}
		for _, g := range []*WCXBGroup{&s.All, g} {
			g.add(d)
		}
	}
	s.All.finish()
	for _, g := range s.ByType {
		g.finish()
	}
	return s
}

func (g *WCXBGroup) add(d WCXBDoc) {
	g.Pages++
	g.F1 += d.F1
	g.Precision += d.Precision
	g.Recall += d.Recall
	g.WithRate += d.With
	g.WithoutRate += d.Without
	if d.Empty {
		g.Empty++
	}
	count := func(v int, ok, n *int) {
		if v != 0 {
			*n++
			if v > 0 {
				*ok++
			}
		}
	}
	count(d.Title, &g.TitleOK, &g.TitleN)
	count(d.Author, &g.AuthorOK, &g.AuthorN)
	count(d.Date, &g.DateOK, &g.DateN)
}

func (g *WCXBGroup) finish() {
	if g.Pages == 0 {
		return
	}
	n := float64(g.Pages)
	g.F1 /= n
	g.Precision /= n
	g.Recall /= n
	g.WithRate /= n
	g.WithoutRate /= n
}

// runWCXB extracts every page with its URL and scores it.
func runWCXB(ctx context.Context, proc *Processor, dir, predPath string) (*WCXBScore, error) {
	pages, err := LoadWCXB(dir)
	if err != nil {
		return nil, err
	}
	preds := make(map[string]WCXBPred, len(pages))
	for _, pg := range pages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		body, err := ReadPage(pg.HTMLPath)
		if err != nil {
			return nil, err
		}
		a, err := proc.Process(ctx, pg.URL, body)
		if err != nil {
			preds[pg.ID] = WCXBPred{}
			continue
		}
		preds[pg.ID] = PredictWCXB(a)
	}
	if predPath != "" {
		if err := writeJSON(predPath, preds); err != nil {
			return nil, err
		}
	}
	return ScoreWCXB(pages, preds), nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("bench: encode %s: %w", path, err)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("bench: write %s: %w", path, err)
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("bench: write %s: %w", path, err)
	}
	return nil
}

func printWCXB(w io.Writer, s *WCXBScore, dir, predPath string, worst int) {
	fmt.Fprintf(w, "WCXB dev (%d pages, %s)\n", s.All.Pages, dir)
	fmt.Fprintf(w, "  %-14s %5s %7s %7s %7s %7s %7s %5s  %-15s %-15s %-15s\n", "type", "pages", "F1", "P", "R", "with", "without", "empty", "title", "author", "date")
	row := func(name string, g *WCXBGroup) {
		frac := func(ok, n int) string {
			if n == 0 {
				return "-"
			}
			return fmt.Sprintf("%d/%d=%.1f%%", ok, n, pct(ok, n))
		}
		fmt.Fprintf(w, "  %-14s %5d %7.4f %7.4f %7.4f %6.1f%% %6.1f%% %5d  %-15s %-15s %-15s\n", name, g.Pages, g.F1, g.Precision, g.Recall,
			100*g.WithRate, 100*g.WithoutRate, g.Empty, frac(g.TitleOK, g.TitleN), frac(g.AuthorOK, g.AuthorN), frac(g.DateOK, g.DateN))
	}
	row("all", &s.All)
	for _, t := range wcxbTypes {
		if g := s.ByType[t]; g != nil {
			row(t, g)
		}
	}
	if predPath != "" {
		fmt.Fprintf(w, "  predictions: %s (python3 ../shared/tools/score_wcxb.py %s %s --splits dev)\n", predPath, predPath, dir)
	}
	if worst <= 0 {
		return
	}
	docs := make([]WCXBDoc, 0, len(s.Docs))
	for _, d := range s.Docs {
		if d.Type == "article" {
			docs = append(docs, d)
		}
	}
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].F1 < docs[j].F1 })
	fmt.Fprintf(w, "  worst %d article pages by F1:\n", min(worst, len(docs)))
	for _, d := range docs[:min(worst, len(docs))] {
		fmt.Fprintf(w, "    %s F1 %.3f P %.3f R %.3f  %s\n", d.ID, d.F1, d.Precision, d.Recall, d.URL)
	}
	for k, name := range []string{"title", "author", "date"} {
		var miss []WCXBDoc
		for _, d := range docs {
			v := [3]int{d.Title, d.Author, d.Date}[k]
			if v < 0 {
				miss = append(miss, d)
			}
		}
		sort.SliceStable(miss, func(i, j int) bool { return miss[i].ID < miss[j].ID })
		fmt.Fprintf(w, "  article %s misses: %d (first %d)\n", name, len(miss), min(worst, len(miss)))
		for _, d := range miss[:min(worst, len(miss))] {
			fmt.Fprintf(w, "    %s got %q want %q\n", d.ID, clip(d.Got[k], 90), clip(d.Want[k], 90))
		}
	}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
