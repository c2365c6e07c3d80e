package fetch

import (
	"bytes"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// Text thresholds of NeedsRender, in non-space characters of visible body text
// (outside script, style, noscript, template and head).
const (
	// noscriptMaxText: a <noscript> asking for JavaScript counts on a page with less
	// text than this (a long article with a "enable JavaScript for comments" notice
	// does not need a browser).
	noscriptMaxText = 1000
	// bootstrapMaxText: a framework bootstrap counts on a page with less text.
	bootstrapMaxText = 200
	// detectMaxBytes bounds the bytes NeedsRender reads.
	detectMaxBytes = 1 << 20
)

// rootIDs are the ids of the containers client-side frameworks mount into.
var rootIDs = map[string]bool{
	"root": true, "app": true, "__next": true, "__nuxt": true, "___gatsby": true,
	"svelte": true, "main-app": true, "app-root": true,
}

// rootTags are custom root elements (Angular's <app-root>).
var rootTags = map[string]bool{"app-root": true}

// bootstrapMarkers are substrings of a script (its src or its inline code) that
// belong to a client-side framework's bootstrap.
var bootstrapMarkers = []string{
	"__NEXT_DATA__", "__NUXT__", "window.__INITIAL_STATE__", "window.__APOLLO_STATE__",
	"/_next/", "/_nuxt/", "/static/js/main.", "/static/js/bundle", "webpack", "react-dom",
	"ReactDOM", "createRoot(", "createApp(", "ng-version", "polyfills.", "runtime.", "/app.js",
	"bundle.js", "main.js", "chunk.js",
}

// jsNotices are phrases of a <noscript> asking for JavaScript (lower case).
var jsNotices = []string{
	"enable javascript", "javascript is required", "requires javascript", "turn on javascript",
	"javascript enabled", "javascript to run", "activate javascript", "javascript is disabled",
	"need javascript", "needs javascript", "allow javascript",
}

// NeedsRender reports whether body (an HTML page) looks client-rendered: its
// content is built by script, so the static HTML holds little or nothing of it.
// The signs, each on a page with little visible text: an empty root container
// (<div id="root"></div>, id="app", id="__next", <app-root>) next to a script; a
// <noscript> asking to enable JavaScript; a framework bootstrap script. reason
// names the sign found ("" when none).
func NeedsRender(body []byte) (bool, string) {
	if len(body) > detectMaxBytes {
		body = body[:detectMaxBytes]
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	var (
		text       int    // visible non-space characters
		skip       string // inside script/style/noscript/template/head: its tag name
		skipDepth  int
		rootDepth  = -1 // depth of the open root container; -1 = none open
		rootText   int
		rootName   string
		emptyRoot  string // a root container closed with no text in it
		scripts    int
		bootstrap  string
		noscriptJS bool
		depth      int
		inScript   bool
		noscript   strings.Builder
	)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return decide(text, scripts, emptyRoot, bootstrap, noscriptJS || jsNotice(noscript.String()))
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			var id, src string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "id":
					id = string(v)
				case "src":
					src = string(v)
				}
			}
			if tag == "script" {
				scripts++
				inScript = true
				if bootstrap == "" {
					bootstrap = marker(src)
				}
			}
			if tt == html.SelfClosingTagToken || voidTag(tag) {
				continue
			}
			depth++
			if skip != "" {
				if tag == skip {
					skipDepth++
				}
				continue
			}
			switch tag {
			case "script", "style", "noscript", "template", "head":
				skip, skipDepth = tag, 1
				continue
			}
			if rootDepth < 0 && emptyRoot == "" && (rootIDs[strings.ToLower(id)] || rootTags[tag]) {
				rootDepth, rootText = depth, 0
				rootName = tag
				if id != "" {
					rootName += "#" + id
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if tag == "script" {
				inScript = false
			}
			if voidTag(tag) {
				continue
			}
			if skip != "" && tag == skip {
				skipDepth--
				if skipDepth == 0 {
					skip = ""
				}
			}
			if rootDepth >= 0 && depth == rootDepth {
				if rootText == 0 {
					emptyRoot = rootName
				}
				rootDepth = -1
			}
			if depth > 0 {
				depth--
			}
		case html.TextToken:
			t := z.Text()
			switch {
			case inScript:
				if bootstrap == "" {
					bootstrap = marker(string(t))
				}
			case skip == "noscript":
				if noscript.Len() < 4096 {
					noscript.Write(t)
				}
			case skip != "":
			default:
				n := visible(t)
				text += n
				if rootDepth >= 0 {
					rootText += n
				}
			}
		}
	}
}

func decide(text, scripts int, emptyRoot, bootstrap string, noscriptJS bool) (bool, string) {
	switch {
	case emptyRoot != "" && scripts > 0 && text < noscriptMaxText:
		return true, "empty root container " + emptyRoot
	case noscriptJS && text < noscriptMaxText:
		return true, "<noscript> asks to enable JavaScript"
	case bootstrap != "" && text < bootstrapMaxText:
		return true, "framework bootstrap (" + bootstrap + ") with almost no text"
	}
	return false, ""
}

func marker(s string) string {
	if s == "" {
		return ""
	}
	for _, m := range bootstrapMarkers {
		if strings.Contains(s, m) {
			return m
		}
	}
	return ""
}

func jsNotice(s string) bool {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	for _, p := range jsNotices {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func visible(b []byte) int {
	n := 0
	for _, r := range string(b) {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

func voidTag(tag string) bool {
	switch tag {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}
