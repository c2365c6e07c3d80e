// Package textingest gives structure back to article text that a naive scraper
// already flattened (one block a line, headings glued to sentences, list items run
// together, related stubs after "-" separator lines), producing healthcrawl records.
//
// Input layout, one article per file or per form-feed-separated part:
//
//	Title                          first non-empty line (a repeated title is dropped)
//	Lead paragraph …               lines up to the first heading
//	Heading                        a short title-case line without final period
//	Paragraph / Label: text …      paragraphs; "- item" / "• item" lines are list items
//	-                              a line of only "-" (or "—", "---", "***") starts a related stub
//	Stub title                     first line after the separator
//	Stub snippet …                 the rest, up to the next separator
//
// ParseRaw only recovers that layout; Parse then runs the default cleaning pipeline,
// which splits glued headings, turns label runs into labelled lists, removes the
// repeated title and marks truncated snippets.
package textingest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/pipeline"
)

// maxLine bounds one input line (a flattened article can be one long line).
const maxLine = 16 << 20

// Parse restructures flattened article text into cleaned records: ParseRaw, then the
// default pipeline (a fresh Runner per call). Records the pipeline drops are omitted.
func Parse(r io.Reader, source string) ([]*article.Article, error) {
	run, err := pipeline.Build(config.Default().Pipeline, nil)
	if err != nil {
		return nil, fmt.Errorf("build default pipeline: %w", err)
	}
	return Clean(context.Background(), run, r, source)
}

// Clean parses r with ParseRaw and runs every record through run; dropped records are
// counted in run.Stats() and omitted.
func Clean(ctx context.Context, run *pipeline.Runner, r io.Reader, source string) ([]*article.Article, error) {
	raw, err := ParseRaw(r, source)
	if err != nil {
		return nil, err
	}
	var out []*article.Article
	for _, a := range raw {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if keep, _ := run.Process(ctx, a); keep {
			out = append(out, a)
		}
	}
	return out, nil
}

// ParseRaw recovers the layout of flattened text without cleaning it. Each record
// gets Source (source, with "#n" for the n-th part after the first), PageType
// article, and is finalized.
func ParseRaw(r io.Reader, source string) ([]*article.Article, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var parts [][]string
	var cur []string
	for sc.Scan() {
		line := strings.ToValidUTF8(sc.Text(), "\uFFFD")
		// form feeds separate articles (the text sink writes them)
		for {
			i := strings.IndexByte(line, '\f')
			if i < 0 {
				break
			}
			cur = append(cur, line[:i])
			parts = append(parts, cur)
			cur = nil
			line = line[i+1:]
		}
		cur = append(cur, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", source, err)
	}
	parts = append(parts, cur)
	var out []*article.Article
	for _, p := range parts {
		a := parseOne(p)
		if a == nil {
			continue
		}
		a.Source = source
		if len(out) > 0 {
			a.Source = fmt.Sprintf("%s#%d", source, len(out)+1)
		}
		a.SetRecordID() // the source is part of the record's identity
		out = append(out, a)
	}
	return out, nil
}

var (
	separatorRe = regexp.MustCompile(`^\s*(-|—|–|-{3,}|\*{3,}|_{3,}|\* \* \*)\s*$`)
	bulletRe    = regexp.MustCompile(`^\s*([-•*·▪◦‣]|\d{1,3}[.)])\s+`)
)

// joinWrapped joins hard-wrapped lines: a line that does not end a sentence followed by
// a line starting in lower case continues the same paragraph. Blank lines are dropped.
func joinWrapped(lines []string) []string {
	var out []string
	var cur []string // lines of the paragraph being joined
	last := ""       // its last line
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, " "))
			cur = cur[:0]
		}
	}
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if len(cur) > 0 && !separatorRe.MatchString(last) && !separatorRe.MatchString(l) {
			first, _ := utf8.DecodeRuneInString(l)
			end, _ := utf8.DecodeLastRuneInString(last)
			if unicode.IsLower(first) && !strings.ContainsRune(".!?:;…\"”", end) && !bulletRe.MatchString(l) {
				cur = append(cur, l)
				last = l
				continue
			}
		}
		flush()
		cur = append(cur, l)
		last = l
	}
	flush()
	return out
}

func parseOne(lines []string) *article.Article {
	lines = joinWrapped(lines)
	if len(lines) == 0 {
		return nil
	}
	a := &article.Article{SchemaVersion: article.SchemaVersion, PageType: article.PageArticle}
	body := lines
	var related []string
	for i, l := range lines {
		if separatorRe.MatchString(l) {
			body, related = lines[:i], lines[i:]
			break
		}
	}
	if len(body) > 0 && !bulletRe.MatchString(body[0]) {
		a.Title = strings.TrimLeft(body[0], "# ")
		body = body[1:]
	}
	sec := article.Section{}
	var list *article.Block
	flushList := func() {
		if list != nil {
			sec.Blocks = append(sec.Blocks, *list)
			list = nil
		}
	}
	for _, l := range body {
		if m := bulletRe.FindString(l); m != "" {
			ordered := unicode.IsDigit([]rune(strings.TrimSpace(m))[0])
			if list == nil || list.Ordered != ordered {
				flushList()
				list = &article.Block{Type: article.BlockList, Ordered: ordered}
			}
			list.Items = append(list.Items, article.ListItem{Text: strings.TrimSpace(l[len(m):])})
			continue
		}
		flushList()
		if h, level := heading(l); h != "" && h != a.Title {
			if sec.Heading != "" || len(sec.Blocks) > 0 {
				a.Sections = append(a.Sections, sec)
			}
			sec = article.Section{Heading: h, Level: level}
			continue
		}
		sec.Blocks = append(sec.Blocks, article.Block{Type: article.BlockParagraph, Text: l})
	}
	flushList()
	if sec.Heading != "" || len(sec.Blocks) > 0 {
		a.Sections = append(a.Sections, sec)
	}
	a.Sections = groupLabelLines(a.Sections)
	a.Related = parseRelated(related)
	a.Finalize()
	return a
}

// heading recognises a heading line: a markdown "## Heading" or a short title-case line.
func heading(l string) (string, int) {
	if strings.HasPrefix(l, "#") {
		t := strings.TrimLeft(l, "#")
		if lvl := len(l) - len(t); lvl <= 6 && strings.HasPrefix(t, " ") {
			return strings.TrimSpace(t), max(lvl, 2)
		}
	}
	if pipeline.IsHeadingLike(l) {
		return l, 2
	}
	return "", 0
}

// groupLabelLines turns runs of ≥ 2 consecutive "Label: text" paragraph lines into one
// labelled list (the text renderer writes list items one a line).
func groupLabelLines(secs []article.Section) []article.Section {
	for si := range secs {
		var out []article.Block
		blocks := secs[si].Blocks
		for i := 0; i < len(blocks); {
			j := i
			var items []article.ListItem
			for j < len(blocks) && blocks[j].Type == article.BlockParagraph {
				l, t, ok := pipeline.SplitLabel(blocks[j].Text)
				if !ok || len(pipeline.LabelItems(blocks[j].Text)) > 1 {
					break
				}
				items = append(items, article.ListItem{Label: l, Text: t})
				j++
			}
			if len(items) >= 2 {
				out = append(out, article.Block{Type: article.BlockList, Items: items})
				i = j
				continue
			}
			out = append(out, blocks[i])
			i++
		}
		secs[si].Blocks = out
	}
	return secs
}

// parseRelated reads "-"-separated stubs: title line, then snippet lines.
func parseRelated(lines []string) []article.Related {
	var out []article.Related
	var cur *article.Related
	for _, l := range lines {
		if separatorRe.MatchString(l) {
			if cur != nil && cur.Title != "" {
				out = append(out, *cur)
			}
			cur = &article.Related{}
			continue
		}
		if cur == nil {
			continue
		}
		if cur.Title == "" {
			cur.Title = l
			continue
		}
		if cur.Snippet != "" {
			cur.Snippet += " "
		}
		cur.Snippet += l
	}
	if cur != nil && cur.Title != "" {
		out = append(out, *cur)
	}
	return out
}

// CleanFiles ingests each path ("-" = stdin) with Clean over the shared runner (so
// dedupe works across files) and passes every kept record to emit, in input order.
// A file that cannot be read is reported in errs (naming the file) and skipped; an
// emit error stops the run. It returns the number of records emitted.
func CleanFiles(ctx context.Context, run *pipeline.Runner, paths []string, stdin io.Reader,
	emit func(*article.Article) error) (n int, errs []error, err error) {
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return n, errs, err
		}
		recs, perr := cleanPath(ctx, run, p, stdin)
		if perr != nil {
			errs = append(errs, perr)
			continue
		}
		for _, a := range recs {
			if err := emit(a); err != nil {
				return n, errs, err
			}
			n++
		}
	}
	return n, errs, nil
}

func cleanPath(ctx context.Context, run *pipeline.Runner, path string, stdin io.Reader) ([]*article.Article, error) {
	if path == "-" {
		if stdin == nil {
			return nil, fmt.Errorf("clean -: no standard input")
		}
		return Clean(ctx, run, stdin, "-")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("clean %s: %w", path, err)
	}
	defer f.Close()
	recs, err := Clean(ctx, run, f, path)
	if err != nil {
		return nil, fmt.Errorf("clean %s: %w", path, err)
	}
	return recs, nil
}
