package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/healthcrawl/healthcrawl/extractors"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// readabilityURL is the address Readability's tests give every page.
const readabilityURL = "http://fakehost/test/page.html"

// runReadability checks titles, headings and list items on the readability
// test pages. Headings equal to the expected title are not counted (the title
// is a field of its own, not a body heading). Headings and items are matched
// in order after normalisation (case, punctuation, white space).
func runReadability(ctx context.Context, proc *Processor, dir string) (*Readability, error) {
	root := filepath.Join(dir, "pages")
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("bench: readability pages: %w", err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	rd := &Readability{HeadingsByPage: map[string][2]int{}, ItemsByPage: map[string][2]int{},
		MissedHeadings: map[string][]string{}, MissedItems: map[string][]string{}}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pdir := filepath.Join(root, name)
		src, err := os.ReadFile(filepath.Join(pdir, "source.html"))
		if err != nil {
			continue
		}
		var meta struct {
			Title string `json:"title"`
		}
		if raw, err := os.ReadFile(filepath.Join(pdir, "expected-metadata.json")); err == nil {
			_ = json.Unmarshal(raw, &meta)
		}
		expHTML, _ := os.ReadFile(filepath.Join(pdir, "expected.html"))
		a, reason, err := proc.ProcessReason(ctx, readabilityURL, src)
		if err != nil {
			return nil, fmt.Errorf("bench: readability %s: %w", name, err)
		}
		if reason != "" {
			// The pipeline would drop it in a crawl (too short, a duplicate
			// of another test page…); crawl extract writes it all the same.
			rd.Dropped = append(rd.Dropped, name+": "+reason)
		}
		rd.Pages++
		got := a.Title
		var headings, items, refs []string
		for _, s := range a.Sections {
			if s.Heading != "" {
				headings = append(headings, Norm(s.Heading))
			}
			for _, b := range s.Blocks {
				for _, it := range b.Items {
					items = append(items, Norm(it.ItemText()))
				}
			}
		}
		// A references list is a list too: kept out of the body, its
		// entries still count as list items found (matched in order
		// among themselves, after the body's items; see matchItems).
		for _, r := range a.References {
			refs = append(refs, Norm(r.Text))
		}
		gotN, wantN := strings.Join(strings.Fields(got), " "), strings.Join(strings.Fields(meta.Title), " ")
		if gotN == wantN {
			rd.TitleExact++
			rd.TitleSuffix++
		} else if siteSuffixOnly(gotN, wantN) {
			rd.TitleSuffix++
			rd.TitleMisses = append(rd.TitleMisses, fmt.Sprintf("%s: got %q want %q (site suffix)", name, got, meta.Title))
		} else {
			rd.TitleMisses = append(rd.TitleMisses, fmt.Sprintf("%s: got %q want %q", name, got, meta.Title))
		}
		eh, ei, toc, diverted := expectedStructure(expHTML)
		var ehKept []string
		for i, h := range eh {
			if !diverted[i] && h != Norm(meta.Title) {
				ehKept = append(ehKept, h)
			}
		}
		rd.HeadingsBody += len(ehKept)
		rd.HeadingsBodyFound += inOrder(ehKept, headings)
		var eiNoTOC []string
		for i, it := range ei {
			if !toc[i] {
				eiNoTOC = append(eiNoTOC, it)
			}
		}
		rd.ItemsNoTOC += len(eiNoTOC)
		nNoTOC, _ := matchItems(eiNoTOC, items, refs)
		rd.ItemsNoTOCFound += nNoTOC
		var ehf []string
		for _, h := range eh {
			if h != Norm(meta.Title) {
				ehf = append(ehf, h)
			}
		}
		fh, mh := inOrderMissed(ehf, headings)
		fi, mi := matchItems(ei, items, refs)
		if len(mh) > 0 {
			rd.MissedHeadings[name] = mh
		}
		if len(mi) > 0 {
			rd.MissedItems[name] = mi
		}
		rd.Headings += len(ehf)
		rd.HeadingsFound += fh
		rd.Items += len(ei)
		rd.ItemsFound += fi
		rd.HeadingsByPage[name] = [2]int{fh, len(ehf)}
		rd.ItemsByPage[name] = [2]int{fi, len(ei)}
	}
	return rd, nil
}

// siteSuffixOnly reports an expected title that is got plus a site-name suffix
// (" | eHow", " - Medium"), which the extractor strips on purpose.
func siteSuffixOnly(got, want string) bool {
	if got == "" || !strings.HasPrefix(want, got) {
		return false
	}
	rest := strings.TrimSpace(want[len(got):])
	for _, sep := range []string{"|", "-", "–", "—", "·", "•", "::", "/", "»"} {
		if strings.HasPrefix(rest, sep) {
			tail := strings.TrimSpace(rest[len(sep):])
			return tail != "" && len(strings.Fields(tail)) <= 4
		}
	}
	return false
}

// expectedStructure returns the normalised headings and list items of an
// expected.html, in order (empty ones skipped); toc[i] marks items that are
// table-of-contents entries (a lone link to an anchor on the page).
func expectedStructure(b []byte) (headings, items []string, toc, diverted map[int]bool) {
	toc, diverted = map[int]bool{}, map[int]bool{}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, nil, toc, diverted
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				if t := Norm(text(c, false)); t != "" {
					if extractors.HeadingRole(text(c, false)) != "" {
						diverted[len(headings)] = true
					}
					headings = append(headings, t)
				}
				continue
			case atom.Li:
				if t := Norm(text(c, true)); t != "" {
					if isTOCItem(c, t) {
						toc[len(items)] = true
					}
					items = append(items, t)
				}
			}
			walk(c)
		}
	}
	walk(doc)
	return headings, items, toc, diverted
}

// isTOCItem: the item's own text (nested lists aside) is one link to "#…".
func isTOCItem(li *html.Node, norm string) bool {
	var links []*html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || c.DataAtom == atom.Ul || c.DataAtom == atom.Ol {
				continue
			}
			if c.DataAtom == atom.A {
				links = append(links, c)
				continue
			}
			find(c)
		}
	}
	find(li)
	if len(links) != 1 {
		return false
	}
	for _, a := range links[0].Attr {
		if a.Key == "href" && strings.HasPrefix(a.Val, "#") {
			return Norm(text(links[0], false)) == norm || strings.HasSuffix(norm, Norm(text(links[0], false)))
		}
	}
	return false
}

// inlineTags are the phrasing elements whose boundaries add no white space.
var inlineTags = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Del: true, atom.Dfn: true, atom.Em: true, atom.Font: true,
	atom.I: true, atom.Ins: true, atom.Kbd: true, atom.Mark: true, atom.Q: true, atom.S: true,
	atom.Samp: true, atom.Small: true, atom.Span: true, atom.Strong: true, atom.Sub: true,
	atom.Sup: true, atom.Time: true, atom.U: true, atom.Var: true,
}

// text is the text of n; skipLists leaves out nested lists.
func text(n *html.Node, skipLists bool) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				sb.WriteString(c.Data)
			case html.ElementNode:
				if skipLists && (c.DataAtom == atom.Ul || c.DataAtom == atom.Ol) {
					continue
				}
				if c.DataAtom == atom.Script || c.DataAtom == atom.Style {
					continue
				}
				if inlineTags[c.DataAtom] {
					walk(c) // "<em>b</em><em>y</em>" reads "by"
					continue
				}
				sb.WriteByte(' ')
				walk(c)
				sb.WriteByte(' ')
			}
		}
	}
	walk(n)
	return sb.String()
}

// Norm folds text for structure matching: lower case, letters and digits only,
// single spaces.
func Norm(s string) string {
	var sb strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			if space && sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			space = false
			sb.WriteRune(r)
		} else {
			space = true
		}
	}
	return sb.String()
}

// inOrder counts the expected strings found in got in the same order (greedy,
// each got entry used once).
func inOrder(want, got []string) int {
	n, _ := inOrderMissed(want, got)
	return n
}

// inOrderMissed is inOrder that also returns the expected strings not found.
func inOrderMissed(want, got []string) (int, []string) {
	found, j := 0, 0
	var missed []string
	for _, w := range want {
		hit := false
		for k := j; k < len(got); k++ {
			if got[k] == w {
				found++
				j = k + 1
				hit = true
				break
			}
		}
		if !hit {
			missed = append(missed, w)
		}
	}
	return found, missed
}

// matchItems matches expected list items against the body's items in order,
// then the ones still missing against the references[] entries in order: the
// references list leaves the body, so its position among the body's lists is
// not kept and must not decide whether the lists around it match.
func matchItems(want, body, refs []string) (int, []string) {
	n, missed := inOrderMissed(want, body)
	if len(refs) == 0 || len(missed) == 0 {
		return n, missed
	}
	m, still := inOrderMissed(missed, refs)
	return n + m, still
}

// printMisses lists the title misses and, per page, the expected headings and
// list items not found (in page-name order).
func printMisses(w io.Writer, rd *Readability) {
	fmt.Fprintf(w, "  title misses (%d):\n", len(rd.TitleMisses))
	for _, m := range rd.TitleMisses {
		fmt.Fprintf(w, "    %s\n", m)
	}
	for _, kind := range []struct {
		name string
		m    map[string][]string
		by   map[string][2]int
	}{{"headings", rd.MissedHeadings, rd.HeadingsByPage}, {"list items", rd.MissedItems, rd.ItemsByPage}} {
		names := make([]string, 0, len(kind.m))
		for n := range kind.m {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(w, "  %s missed, by page:\n", kind.name)
		for _, n := range names {
			c := kind.by[n]
			fmt.Fprintf(w, "    %s: %d/%d found\n", n, c[0], c[1])
			for _, s := range kind.m[n] {
				if len(s) > 90 {
					s = s[:90] + "…"
				}
				fmt.Fprintf(w, "      - %s\n", s)
			}
		}
	}
}
