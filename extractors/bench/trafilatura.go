package bench

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// TrafEntry is one annotated page of trafilatura's evaluation set: snippets the
// extracted text must contain (With) and must not contain (Without).
type TrafEntry struct {
	URL, File, Title string
	With, Without    []string
}

// TrafScore is the set's figure, counted as trafilatura's evaluation counts it
// (go-trafilatura scripts/comparison): every With snippet found is a true
// positive, missed a false negative; every Without snippet found is a false
// positive, absent a true negative. An empty text counts all Without snippets as
// true negatives.
type TrafScore struct {
	Pages, Empty, Errors        int
	Titles, TitlesExact         int      // annotated titles; exact matches (white space folded)
	TitleMisses                 []string // got | want
	TP, FN, FP, TN              int
	Precision, Recall, Accuracy float64
	F1                          float64
	Worst                       []TrafDoc
}

// TrafDoc is one page's misses.
type TrafDoc struct {
	File             string
	Missed, Unwanted []string
	Cost             int // len(Missed) + len(Unwanted)
}

// DefaultTrafDir is where `go mod download github.com/markusmobius/go-trafilatura@v1.12.2`
// puts the evaluation set (test-files/ and scripts/comparison/data.go).
func DefaultTrafDir() string {
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		gp := os.Getenv("GOPATH")
		if gp == "" {
			home, _ := os.UserHomeDir()
			gp = filepath.Join(home, "go")
		}
		cache = filepath.Join(strings.Split(gp, string(os.PathListSeparator))[0], "pkg", "mod")
	}
	return filepath.Join(cache, "github.com", "markusmobius", "go-trafilatura@v1.12.2")
}

// LoadTrafEntries reads the annotations from scripts/comparison/data.go of a
// go-trafilatura source tree (a Go map literal, read with go/parser: the file is
// data, never compiled into healthcrawl).
func LoadTrafEntries(dir string) ([]TrafEntry, error) {
	path := filepath.Join(dir, "scripts", "comparison", "data.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("bench: trafilatura annotations %s: %w", path, err)
	}
	var out []TrafEntry
	ast.Inspect(f, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		key, ok := stringLit(kv.Key)
		lit, isLit := kv.Value.(*ast.CompositeLit)
		if !ok || !isLit {
			return true
		}
		e := TrafEntry{URL: key}
		for _, el := range lit.Elts {
			field, ok := el.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			name, _ := field.Key.(*ast.Ident)
			if name == nil {
				continue
			}
			switch name.Name {
			case "File":
				e.File, _ = stringLit(field.Value)
			case "Title":
				e.Title, _ = stringLit(field.Value)
			case "With":
				e.With = stringList(field.Value)
			case "Without":
				e.Without = stringList(field.Value)
			}
		}
		if e.File != "" {
			out = append(out, e)
		}
		return false
	})
	if len(out) == 0 {
		return nil, fmt.Errorf("bench: trafilatura annotations %s: no entries found", path)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out, nil
}

func stringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

func stringList(e ast.Expr) []string {
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	var out []string
	for _, el := range cl.Elts {
		if s, ok := stringLit(el); ok {
			out = append(out, s)
		}
	}
	return out
}

// runTrafilatura extracts every annotated page (with its URL when the URL is a
// valid http(s) address, as `crawl extract --url` would) and scores the text.
func runTrafilatura(ctx context.Context, proc *Processor, dir string, worst int) (*TrafScore, error) {
	entries, err := LoadTrafEntries(dir)
	if err != nil {
		return nil, err
	}
	s := &TrafScore{}
	var docs []TrafDoc
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var body []byte
		for _, sub := range []string{"comparison", "mock"} {
			if body, err = os.ReadFile(filepath.Join(dir, "test-files", sub, e.File)); err == nil {
				break
			}
		}
		if body == nil {
			s.Errors++
			continue
		}
		u := e.URL
		if !isHTTPURL(u) {
			u = ""
		}
		var text, got string // got: the title, white space folded
		if a, err := proc.Process(ctx, u, body); err != nil {
			s.Errors++
		} else {
			text, got = a.Text, strings.Join(strings.Fields(a.Title), " ")
		}
		s.Pages++
		if e.Title != "" {
			s.Titles++
			if want := strings.Join(strings.Fields(e.Title), " "); got == want {
				s.TitlesExact++
			} else {
				s.TitleMisses = append(s.TitleMisses, fmt.Sprintf("%s: got %q want %q", e.File, got, want))
			}
		}
		if text == "" {
			s.Empty++
		}
		d := TrafDoc{File: e.File}
		for _, w := range e.With {
			if text != "" && strings.Contains(text, w) {
				s.TP++
			} else {
				s.FN++
				d.Missed = append(d.Missed, w)
			}
		}
		for _, w := range e.Without {
			if text != "" && strings.Contains(text, w) {
				s.FP++
				d.Unwanted = append(d.Unwanted, w)
			} else {
				s.TN++
			}
		}
		d.Cost = len(d.Missed) + len(d.Unwanted)
		if d.Cost > 0 {
			docs = append(docs, d)
		}
	}
	tp, fn, fp, tn := float64(s.TP), float64(s.FN), float64(s.FP), float64(s.TN)
	if tp+fp > 0 {
		s.Precision = tp / (tp + fp)
	}
	if tp+fn > 0 {
		s.Recall = tp / (tp + fn)
	}
	if all := tp + fn + fp + tn; all > 0 {
		s.Accuracy = (tp + tn) / all
	}
	if 2*tp+fp+fn > 0 {
		s.F1 = 2 * tp / (2*tp + fp + fn)
	}
	sort.SliceStable(docs, func(i, j int) bool {
		if docs[i].Cost != docs[j].Cost {
			return docs[i].Cost > docs[j].Cost
		}
		return docs[i].File < docs[j].File
	})
	s.Worst = docs[:min(worst, len(docs))]
	return s, nil
}

func isHTTPURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

func printTraf(w io.Writer, s *TrafScore, dir string) {
	fmt.Fprintf(w, "trafilatura evaluation set (%d pages, %s)\n", s.Pages, dir)
	fmt.Fprintf(w, "  precision %.3f  recall %.3f  accuracy %.3f  F1 %.3f  (tp %d fn %d fp %d tn %d, empty %d, errors %d)\n",
		s.Precision, s.Recall, s.Accuracy, s.F1, s.TP, s.FN, s.FP, s.TN, s.Empty, s.Errors)
	fmt.Fprintf(w, "  titles exact %d/%d = %.1f%%\n", s.TitlesExact, s.Titles, pct(s.TitlesExact, s.Titles))
	if len(s.Worst) > 0 {
		fmt.Fprintf(w, "  worst %d pages (missed snippets / unwanted snippets kept):\n", len(s.Worst))
		for _, d := range s.Worst {
			fmt.Fprintf(w, "  %-48s missed %d, unwanted %d\n", d.File, len(d.Missed), len(d.Unwanted))
		}
	}
}
