package output

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/healthcrawl/healthcrawl/article"
	"go.yaml.in/yaml/v3"
)

// RenderMarkdown renders a record as a CommonMark document. It starts with the
// record's metadata as YAML front matter (MarkdownFrontMatter: between "---" lines;
// left out when the record has none) and a blank line, then "# Title" once, each heading
// as "##"… on its own line (level 0/1 sections render as "##"), paragraphs
// separated by blank lines, each list item on its own line ("- Label: text",
// "1. text"), quotes as "> ", code fenced, tables as pipe tables, and the related
// stubs after a "---" separator line, one list item each: the title (a link when
// the stub has a URL) and, on the next line, the snippet ("…" when truncated).
// Text is escaped so it never turns into markup; a form feed becomes a space.
func RenderMarkdown(a *article.Article) string {
	var b strings.Builder
	para := func(s string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	b.WriteString(MarkdownFrontMatter(a))
	if t := strings.TrimSpace(a.Title); t != "" {
		para("# " + mdHeading(t))
	}
	for _, s := range a.Sections {
		if h := strings.TrimSpace(s.Heading); h != "" && s.HeadingInText() {
			para(strings.Repeat("#", min(max(s.Level, 2), 6)) + " " + mdHeading(h))
		}
		for _, bl := range s.Blocks {
			if !bl.InText() {
				continue // a table of contents: its anchors are not kept
			}
			if md := mdBlock(bl); md != "" {
				para(md)
			}
		}
	}
	if len(a.Related) > 0 {
		para("---")
		var rb strings.Builder
		for _, r := range a.Related {
			title := mdInline(r.Title)
			if r.URL != "" {
				title = "[" + title + "](<" + strings.ReplaceAll(r.URL, ">", "%3E") + ">)"
			}
			rb.WriteString("- " + title)
			snip := r.Snippet
			if r.Truncated && snip != "" && !strings.HasSuffix(snip, "…") {
				snip += "…"
			}
			if snip != "" {
				rb.WriteString("\\\n  " + mdInline(snip))
			}
			rb.WriteByte('\n')
		}
		para(strings.TrimSuffix(rb.String(), "\n"))
	}
	// a form feed separates documents in a file (NewMarkdownSink): none in a document
	return strings.ReplaceAll(b.String(), "\f", " ")
}

// markdownMeta are the keys of the front matter, in this order; empty ones are left
// out.
type markdownMeta struct {
	Title      string   `yaml:"title,omitempty"`
	URL        string   `yaml:"url,omitempty"`
	Authors    []string `yaml:"authors,omitempty"`
	Published  string   `yaml:"published,omitempty"`
	Modified   string   `yaml:"modified,omitempty"`
	ReviewedBy string   `yaml:"reviewed_by,omitempty"`
	Language   string   `yaml:"language,omitempty"`
}

// MarkdownFrontMatter is the YAML front matter of a record's Markdown document:
// "---", then title, url, authors (a list), published, modified, reviewed_by and
// language (published_at, modified_at: RFC 3339 or YYYY-MM-DD, as strings), each
// only when set, then "---"; "" when none is set. The YAML library
// writes the values, quoted where YAML needs it (a title with ": ", a date that
// would read as a timestamp, a value starting with a quote); invalid UTF-8 becomes
// U+FFFD.
func MarkdownFrontMatter(a *article.Article) string {
	clean := func(s string) string { return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD")) }
	m := markdownMeta{Title: clean(a.Title), URL: clean(a.URL), Published: clean(a.PublishedAt),
		Modified: clean(a.ModifiedAt), ReviewedBy: clean(a.ReviewedBy), Language: clean(a.Language)}
	for _, au := range a.Authors {
		if au = clean(au); au != "" {
			m.Authors = append(m.Authors, au)
		}
	}
	if m.Title == "" && m.URL == "" && len(m.Authors) == 0 && m.Published == "" && m.Modified == "" &&
		m.ReviewedBy == "" && m.Language == "" {
		return ""
	}
	var buf bytes.Buffer
	buf.WriteString("---\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		// strings and a list of strings always encode; keep the document whole anyway
		return ""
	}
	_ = enc.Close()
	buf.WriteString("---\n")
	return buf.String()
}

func mdBlock(bl article.Block) string {
	switch bl.Type {
	case article.BlockList:
		var lines []string
		for i, it := range bl.Items {
			marker := "- "
			if bl.Ordered {
				marker = fmt.Sprintf("%d. ", i+1)
			}
			text := mdInline(it.Text)
			if it.Label != "" {
				text = mdInline(it.Label) + ": " + text
				if it.Text == "" {
					text = mdInline(it.Label)
				}
			}
			lines = append(lines, strings.Repeat("  ", max(it.Depth, 0))+marker+text)
		}
		return strings.Join(lines, "\n")
	case article.BlockQuote:
		return "> " + mdLines(bl.Text, "\\\n> ")
	case article.BlockCode:
		fence := "```"
		for strings.Contains(bl.Text, fence) {
			fence += "`"
		}
		return fence + "\n" + bl.Text + "\n" + fence
	case article.BlockTable:
		if len(bl.Rows) == 0 {
			return ""
		}
		width := 0
		for _, r := range bl.Rows {
			width = max(width, len(r))
		}
		row := func(r []string) string {
			cells := make([]string, width)
			for i := range cells {
				if i < len(r) {
					cells[i] = strings.ReplaceAll(mdInline(r[i]), "|", "\\|")
				}
			}
			return "| " + strings.Join(cells, " | ") + " |"
		}
		lines := []string{row(bl.Rows[0]), "|" + strings.Repeat(" --- |", width)}
		for _, r := range bl.Rows[1:] {
			lines = append(lines, row(r))
		}
		return strings.Join(lines, "\n")
	default:
		t := bl.Text
		if bl.Truncated && t != "" && !strings.HasSuffix(t, "…") {
			t += "…"
		}
		return mdLines(t, "\\\n")
	}
}

var (
	mdInlineEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`,
		`[`, `\[`, `]`, `\]`, `<`, `\<`)
	// line starts CommonMark would read as a heading, quote, list, rule or fence
	mdLineStart = regexp.MustCompile(`^(#{1,6}(\s|$)|>|[-+*](\s|$)|\d{1,9}[.)](\s|$)|={3,}|~{3,})`)
)

// mdInline escapes characters that would start inline markup.
func mdInline(s string) string { return mdInlineEscaper.Replace(strings.TrimSpace(s)) }

// mdHeading escapes a heading's text and puts it on one line (an ATX heading ends
// at the line break; a "---" on the next line would make the rest a heading too).
func mdHeading(s string) string { return mdInline(strings.Join(strings.Fields(s), " ")) }

// mdLine escapes a paragraph line, including markup at its start.
func mdLine(s string) string {
	s = mdInline(s)
	if m := mdLineStart.FindStringIndex(s); m != nil {
		// escape the first character: "\#", "\>", "\-", "1\."
		if s[0] >= '0' && s[0] <= '9' {
			i := strings.IndexAny(s, ".)")
			return s[:i] + `\` + s[i:]
		}
		return `\` + s
	}
	return s
}

// mdLines escapes each line of a paragraph and joins them with sep (a hard line
// break, so the extractor's <br> line breaks survive).
func mdLines(s, sep string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = mdLine(l)
	}
	return strings.Join(lines, sep)
}

// NewMarkdownSink returns a sink writing RenderMarkdown documents to w, separated by
// a blank line, a line holding only a form feed ("\f") and a blank line: split the
// file on "\n\f\n" and each part, trimmed of blank lines, is one record's document,
// its front matter first (RenderMarkdown leaves no form feed in a document). Safe for concurrent use; each record is one Write.
func NewMarkdownSink(w io.Writer) Sink {
	return &docSink{w: w, render: RenderMarkdown, sep: "\n\f\n\n"}
}
