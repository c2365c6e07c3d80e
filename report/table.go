package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// barWidth is the width of the widest text bar.
const barWidth = 30

func bar(n, max int) string {
	if max <= 0 || n <= 0 {
		return ""
	}
	w := (n*barWidth + max - 1) / max
	return strings.Repeat("█", w)
}

func maxN(cs []Count) int {
	m := 0
	for _, c := range cs {
		m = max(m, c.N)
	}
	return m
}

// WriteTable prints the report as aligned plain-text tables.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }

	p("Crawl report: %s\n", strings.Join(r.Inputs, ", "))
	p("Articles: %d\n", r.Articles)
	if r.ErrorsPath != "" {
		p("Errors:   %d (%s)\n", r.Errors, r.ErrorsPath)
	}

	section := func(title string, head string, cs []Count, of int) {
		p("\n%s\n", title)
		p("  %s\tARTICLES\tSHARE\t\n", head)
		m := maxN(cs)
		for _, c := range cs {
			p("  %s\t%d\t%s\t%s\n", c.Label, c.N, pct(c.N, of), bar(c.N, m))
		}
		if len(cs) == 0 {
			p("  (none)\t\t\t\n")
		}
	}
	section("Articles per site", "SITE", r.Sites, r.Articles)
	if len(r.PageTypes) > 1 || (len(r.PageTypes) == 1 && r.PageTypes[0].Label != "article") {
		section("Page types", "PAGE TYPE", r.PageTypes, r.Articles)
	}

	p("\nWord count (min %d, median %d, mean %.0f, p90 %d, max %d", r.Words.Min, r.Words.Median, r.Words.Mean, r.Words.P90, r.Words.Max)
	if r.WordBins != "" {
		p("; %s", r.WordBins)
	}
	p(")\n")
	p("  WORDS\tARTICLES\tSHARE\t\n")
	hm := 0
	for _, b := range r.WordHist {
		hm = max(hm, b.N)
	}
	for _, b := range r.WordHist {
		p("  %s\t%d\t%s\t%s\n", b.Label, b.N, pct(b.N, r.Articles), bar(b.N, hm))
	}

	section("Languages", "LANGUAGE", r.Languages, r.Articles)

	p("\nFields filled\n")
	p("  FIELD\tARTICLES\tFILLED\t\n")
	for _, f := range r.Fill {
		p("  %s\t%d\t%s\t%s\n", f.Field, f.Filled, strconv.FormatFloat(f.Pct, 'f', 1, 64)+"%", bar(int(f.Pct+0.5), 100))
	}

	p("\nPer site (fields filled as %% of the site's articles)\n")
	p("  SITE\tARTICLES\tMEDIAN WORDS\tLANGUAGE")
	for _, f := range SiteFields {
		p("\t%s", strings.ToUpper(f))
	}
	p("\t\n")
	for _, row := range r.PerSite {
		p("  %s\t%d\t%d\t%s", row.Site, row.Articles, row.MedianWords, orDash(row.LanguagesTop))
		for _, f := range row.Fill {
			p("\t%s%%", strconv.FormatFloat(f, 'f', 1, 64))
		}
		p("\t\n")
	}
	if len(r.PerSite) == 0 {
		p("  (none)\t\t\t\t\n")
	}

	if r.ErrorsPath != "" {
		p("\nErrors by category\n")
		p("  CATEGORY\tURLS\tSHARE\t\n")
		for _, c := range r.ErrorCats {
			p("  %s\t%d\t%s\t\n", c.Label, c.N, pct(c.N, r.Errors))
		}
		if len(r.ErrorCats) == 0 {
			p("  (none)\t\t\t\n")
		}
		p("\nTop error reasons\n")
		p("  REASON\tURLS\tSHARE\t\n")
		m := maxN(r.ErrorReasons)
		for _, c := range r.ErrorReasons {
			p("  %s\t%d\t%s\t%s\n", c.Label, c.N, pct(c.N, r.Errors), bar(c.N, m))
		}
		if len(r.ErrorReasons) == 0 {
			p("  (none)\t\t\t\n")
		}
	}
	return tw.Flush()
}
