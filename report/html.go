package report

import (
	"fmt"
	"html"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"
)

// chart sizes (px)
const (
	hbarWidth  = 520
	hbarLabel  = 170
	hbarRow    = 26
	vbarHeight = 220
)

var palette = []string{"#2563eb", "#0d9488", "#d97706", "#7c3aed", "#db2777", "#65a30d", "#0891b2", "#dc2626"}

// HBars renders horizontal bars as an inline SVG: one row per item, the label on the
// left, the bar scaled to the largest value (or to 100 when percent), the value at
// the bar's end. Labels are escaped.
func HBars(items []Count, percent bool, color string) template.HTML {
	if len(items) == 0 {
		return template.HTML(`<p class="empty">None.</p>`)
	}
	m := maxN(items)
	if percent {
		m = 100
	}
	h := len(items)*hbarRow + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`,
		hbarWidth, h, hbarWidth, h)
	barMax := hbarWidth - hbarLabel - 70
	for i, it := range items {
		y := 4 + i*hbarRow
		w := 0
		if m > 0 {
			w = it.N * barMax / m
		}
		if it.N > 0 && w < 2 {
			w = 2
		}
		label := it.Label
		if r := []rune(label); len(r) > 26 {
			label = string(r[:25]) + "…"
		}
		val := strconv.Itoa(it.N)
		if percent {
			val += "%"
		}
		c := color
		if c == "" {
			c = palette[i%len(palette)]
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" class="lbl"><title>%s</title>%s</text>`,
			hbarLabel-8, y+15, html.EscapeString(it.Label), html.EscapeString(label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="3" fill="%s"/>`, hbarLabel, y+2, w, hbarRow-8, c)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="val">%s</text>`, hbarLabel+w+6, y+15, val)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above is escaped or numeric
}

// VBars renders the word-count histogram as an inline SVG: one bar per bucket,
// its count above it, and the bucket edges as ticks under the axis (compact: 500,
// 1k, 2.5k, 10k); the last tick of an open-ended last bar is the largest count,
// maxWords. Each bar's title (tooltip) is its range and count; axis labels the
// x axis ("words per article · " + bins).
func VBars(buckets []Bucket, maxWords int, bins string) template.HTML {
	n := len(buckets)
	if n == 0 {
		return ""
	}
	const width, top, bottom = 560, 20, 44
	colW := (width-32)/n - 6
	m := 0
	for _, b := range buckets {
		m = max(m, b.N)
	}
	h := vbarHeight + top + bottom
	axisY := top + vbarHeight
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`, width, h, width, h)
	fmt.Fprintf(&b, `<line x1="8" y1="%d" x2="%d" y2="%d" class="axis"/>`, axisY, width-8, axisY)
	tick := func(x int, v int) {
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`, x, axisY, x, axisY+5)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="lbl">%s</text>`, x, axisY+19, compact(v))
	}
	for i, bk := range buckets {
		x := 16 + i*(colW+6)
		bh := 0
		if m > 0 {
			bh = bk.N * vbarHeight / m
		}
		if bk.N > 0 && bh < 2 {
			bh = 2
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="3" fill="#2563eb"><title>%s words: %d</title></rect>`,
			x, axisY-bh, colW, bh, html.EscapeString(bk.Label), bk.N)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="val">%d</text>`, x+colW/2, axisY-bh-5, bk.N)
		if i == 0 {
			tick(x, bk.Lo)
		} else {
			tick(x-3, bk.Lo)
		}
		if i == n-1 {
			end := bk.Hi + 1
			if bk.Hi < 0 {
				end = max(maxWords, bk.Lo)
			}
			tick(x+colW, end)
		}
	}
	label := "words per article"
	if bins != "" {
		label += " · " + bins
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="axislbl">%s</text>`, width/2, h-4, html.EscapeString(label))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above is escaped or numeric
}

// compact writes a word count for an axis tick: as is below 10,000, else in
// thousands ("12.5k", "75.7k") or millions ("2M"), exact when that takes at most 5
// characters, else rounded to one decimal (none from 100 on).
func compact(v int) string {
	if v < 10000 {
		return strconv.Itoa(v)
	}
	x, unit := float64(v)/1e3, "k"
	if v >= 10000000 {
		x, unit = float64(v)/1e6, "M"
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if len(s) > 5 {
		s = strings.TrimSuffix(strconv.FormatFloat(x, 'f', 1, 64), ".0")
		if x >= 100 {
			s = strconv.FormatFloat(x, 'f', 0, 64)
		}
	}
	return s + unit
}

func fillCounts(fs []Fill) []Count {
	out := make([]Count, len(fs))
	for i, f := range fs {
		out[i] = Count{Label: f.Field, N: int(f.Pct + 0.5)}
	}
	return out
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"hbars": HBars, "vbars": VBars, "fill": fillCounts, "pct": pct,
	"f1":         func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"join":       strings.Join,
	"siteFields": func() []string { return SiteFields },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>healthcrawl report — {{join .Inputs ", "}}</title>
<style>
  :root { color-scheme: light; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; background: #f4f6fa; color: #1f2937; }
  header { background: #0f172a; color: #f8fafc; padding: 22px 32px; }
  header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
  header p { margin: 0; color: #cbd5e1; font-size: 13px; word-break: break-all; }
  main { padding: 24px 32px 40px; max-width: 1200px; box-sizing: border-box; }
  .stats { display: grid; grid-template-columns: repeat(5, 1fr); gap: 14px; margin-bottom: 22px; }
  .stat { background: #fff; border-radius: 10px; padding: 14px 16px; box-shadow: 0 1px 2px rgba(15,23,42,.08); }
  .stat b { display: block; font-size: 26px; font-weight: 650; color: #0f172a; }
  .stat span { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: #64748b; }
  .grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 18px; }
  section { background: #fff; border-radius: 10px; padding: 16px 18px 12px; box-shadow: 0 1px 2px rgba(15,23,42,.08); overflow: hidden; }
  section.wide { grid-column: 1 / -1; }
  h2 { margin: 0 0 10px; font-size: 15px; font-weight: 600; color: #0f172a; }
  h2 small { font-weight: 400; color: #64748b; margin-left: 6px; }
  svg { max-width: 100%; height: auto; display: block; }
  svg .lbl { font-size: 12.5px; fill: #334155; }
  svg .val { font-size: 12px; fill: #0f172a; font-weight: 600; }
  svg .axis { stroke: #cbd5e1; stroke-width: 1; }
  svg .axislbl { font-size: 12px; fill: #64748b; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 6px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eef2f7; }
  th { color: #64748b; font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  .n { text-align: right; font-variant-numeric: tabular-nums; }
  .empty { color: #94a3b8; margin: 8px 0; }
  footer { color: #94a3b8; font-size: 12px; padding: 0 32px 24px; }
</style>
</head>
<body>
<header>
  <h1>healthcrawl crawl report</h1>
  <p>{{join .Inputs ", "}}{{if .ErrorsPath}} · errors: {{.ErrorsPath}}{{end}}</p>
</header>
<main>
  <div class="stats">
    <div class="stat"><b>{{.Articles}}</b><span>articles</span></div>
    <div class="stat"><b>{{len .Sites}}</b><span>sites</span></div>
    <div class="stat"><b>{{.Words.Median}}</b><span>median words</span></div>
    <div class="stat"><b>{{len .Languages}}</b><span>languages</span></div>
    <div class="stat"><b>{{if .ErrorsPath}}{{.Errors}}{{else}}–{{end}}</b><span>errors</span></div>
  </div>
  <div class="grid">
    <section>
      <h2>Articles per site</h2>
      {{hbars .Sites false ""}}
    </section>
    <section>
      <h2>Languages</h2>
      {{hbars .Languages false ""}}
    </section>
    <section>
      <h2>Word count <small>min {{.Words.Min}} · median {{.Words.Median}} · mean {{printf "%.0f" .Words.Mean}} · p90 {{.Words.P90}} · max {{.Words.Max}}</small></h2>
      {{vbars .WordHist .Words.Max .WordBins}}
    </section>
    <section>
      <h2>Fields filled <small>% of articles</small></h2>
      {{hbars (fill .Fill) true "#0d9488"}}
    </section>
    {{if .ErrorsPath}}
    <section class="wide">
      <h2>Top error reasons <small>{{.Errors}} URLs in the errors file</small></h2>
      {{if .ErrorReasons}}{{hbars .ErrorReasons false "#dc2626"}}{{else}}<p class="empty">No failed or over-limit URLs recorded.</p>{{end}}
      {{if .ErrorCats}}<table>
        <tr><th>Category</th><th class="n">URLs</th><th class="n">Share</th></tr>
        {{range .ErrorCats}}<tr><td>{{.Label}}</td><td class="n">{{.N}}</td><td class="n">{{pct .N $.Errors}}</td></tr>{{end}}
      </table>{{end}}
    </section>
    {{end}}
    <section class="wide">
      <h2>Per site <small>fields filled as % of the site's articles</small></h2>
      <table>
        <tr><th>Site</th><th class="n">Articles</th><th class="n">Median words</th><th>Language</th>{{range siteFields}}<th class="n">{{.}}</th>{{end}}</tr>
        {{range .PerSite}}<tr><td>{{.Site}}</td><td class="n">{{.Articles}}</td><td class="n">{{.MedianWords}}</td><td>{{.LanguagesTop}}</td>{{range .Fill}}<td class="n">{{f1 .}}%</td>{{end}}</tr>{{end}}
      </table>
    </section>
  </div>
</main>
<footer>Generated by crawl report{{if .Generated}} at {{.Generated}}{{end}}. Self-contained: no scripts, no external assets.</footer>
</body>
</html>
`))

// WriteHTML writes the report as one self-contained HTML page: inline CSS and SVG
// charts, no scripts, no external assets. generated (may be zero) is shown in the
// footer.
func (r *Report) WriteHTML(w io.Writer, generated time.Time) error {
	data := struct {
		*Report
		Generated string
	}{Report: r}
	if !generated.IsZero() {
		data.Generated = generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	if err := page.Execute(w, data); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}
