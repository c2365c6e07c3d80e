package crawler

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
)

// Generated health-article pages for the benchmark site and the tests: realistic
// markup (head metadata, navigation, byline, headings, paragraphs, a list, related
// links, footer) with body text unique to each page id, so that the pipeline's
// de-duplication keeps every page.

var (
	genNouns = strings.Fields(`blood pressure sleep hydration muscle tension heart rate posture fibre protein
		vitamin iron caffeine stress massage therapy circulation recovery inflammation joint cartilage
		immune system gut bacteria metabolism glucose insulin cholesterol diet exercise stretching breathing
		anxiety mood memory focus energy fatigue headache migraine back pain neck shoulder knee ankle
		skin hydration sunlight screen habit routine walking cycling swimming yoga meditation appetite`)
	genAdjs = strings.Fields(`regular gentle moderate daily consistent brief intense mild chronic acute
		healthy balanced restful deep shallow steady irregular seasonal early late light heavy warm cool
		simple practical common rare gradual sudden modest measurable lasting short long careful`)
	genVerbs = strings.Fields(`improves reduces supports eases increases lowers affects changes protects
		strengthens relaxes restores disturbs balances boosts limits shapes predicts accompanies follows
		precedes influences stabilises softens sharpens delays speeds`)
	genPreps = strings.Fields(`in during after before with without across among for through`)
)

func seedFor(id string) (uint64, uint64) {
	h := fnv.New64a()
	h.Write([]byte(id))
	s := h.Sum64()
	return s, s ^ 0x9e3779b97f4a7c15
}

var genDets = []string{"the", "a", "this", "your", "their", "each", "that"}

func genSentence(r *rand.Rand, b *strings.Builder) {
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	// Determiners and conjunctions make the text read like English prose to the
	// pipeline (its language stage looks at function words, as in real articles).
	s := fmt.Sprintf("%s %s %s %s %s the %s %s %s %s the %s %s", pick(genDets), pick(genAdjs), pick(genNouns), pick(genVerbs),
		pick(genDets), pick(genAdjs), pick(genNouns), pick(genPreps), pick(genDets), pick(genAdjs), pick(genNouns))
	if r.IntN(3) == 0 {
		s += fmt.Sprintf(" and %s %s %s", pick(genPreps), pick(genDets), pick(genNouns))
	}
	b.WriteString(strings.ToUpper(s[:1]))
	b.WriteString(s[1:])
	b.WriteString(". ")
}

// GenArticleHTML renders an article page of about 5 KB whose text is unique to id.
// extraHead goes in <head>, extraBody at the end of the article; related are hrefs
// for the related-articles box.
func GenArticleHTML(id, title, extraHead, extraBody string, related []string) string {
	r := rand.New(rand.NewPCG(seedFor(id)))
	var b strings.Builder
	b.Grow(6 << 10)
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>%[1]s | Healthy Living</title>
<meta name="description" content="What to know about %[2]s.">
<meta property="og:type" content="article">
<meta property="og:title" content="%[1]s">
%[3]s</head>
<body>
<header class="site-header"><a class="logo" href="/">Healthy Living</a>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">About</a></li></ul></nav></header>
<main><article>
<h1>%[1]s</h1>
<p class="byline">By <span class="author">Dr. Jane Doe</span>, medically reviewed on 2026-10-01</p>
`, title, strings.ToLower(title), extraHead)
	for s := range 4 {
		fmt.Fprintf(&b, "<h2>%s %s</h2>\n", strings.ToUpper(genAdjs[r.IntN(len(genAdjs))][:1])+genAdjs[r.IntN(len(genAdjs))][1:], genNouns[r.IntN(len(genNouns))])
		for range 2 {
			b.WriteString("<p>")
			for range 3 + r.IntN(2) {
				genSentence(r, &b)
			}
			b.WriteString("</p>\n")
		}
		if s == 1 {
			b.WriteString("<ul>\n")
			for range 3 {
				b.WriteString("<li>")
				genSentence(r, &b)
				b.WriteString("</li>\n")
			}
			b.WriteString("</ul>\n")
		}
	}
	b.WriteString(extraBody)
	b.WriteString("</article>\n")
	if len(related) > 0 {
		b.WriteString(`<aside class="related"><h3>Related articles</h3><ul>`)
		for i, h := range related {
			fmt.Fprintf(&b, `<li><a href="%s">Related read %d</a></li>`, h, i+1)
		}
		b.WriteString("</ul></aside>\n")
	}
	b.WriteString(`</main>
<footer><p>Copyright 2026 Healthy Living. This site does not give medical advice.</p></footer>
</body></html>`)
	return b.String()
}
