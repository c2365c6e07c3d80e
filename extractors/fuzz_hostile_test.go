package extractors

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// FuzzDecodeHTML: any body under any Content-Type decodes without panicking to
// valid UTF-8; a valid UTF-8 body declared UTF-8 (no BOM, no C1 control to repair)
// comes back as it is. LooksBinary answers for any body.
func FuzzDecodeHTML(f *testing.F) {
	for _, s := range []struct{ body, ct string }{
		{"<meta charset=\"windows-1252\"><p>caf\xe9 \x93quoted\x94</p>", ""},
		{"<p>caf\xc3\xa9</p>", "text/html; charset=utf-8"},
		{"\xef\xbb\xbf<p>bom</p>", "text/html; charset=iso-8859-1"},
		{"\xff\xfe<\x00p\x00>\x00h\x00i\x00", ""},
		{"\xfe\xff\x00<\x00p", "text/html"},
		{"<meta http-equiv=Content-Type content='text/html; charset=shift_jis'><p>\x93\xfa\x96\x7b</p>", ""},
		{"<p>Investor\xc3\xa2\xc2\x80\xc2\x99s</p>", ""},
		{"<meta charset=hz-gb-2312><p>~{<:Ky2;S{#,~}</p>", ""},
		{"<p>\x1b$B$3$s$K$A$O\x1b(B</p>", "text/html; charset=iso-2022-jp"},
		{"<p>x</p>", "text/html; charset=\"gbk"},
		{"<p>\x00\x01</p>", "text/html; charset=utf-16le"},
	} {
		f.Add([]byte(s.body), s.ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		_ = LooksBinary(body)
		out, err := DecodeHTML(body, ct)
		if err != nil {
			if out != nil {
				t.Fatalf("error %v with output", err)
			}
			return
		}
		if !utf8.Valid(out) {
			t.Fatalf("DecodeHTML(%q, %q) = %q: invalid UTF-8", body, ct, out)
		}
		if strings.EqualFold(headerCharset(ct), "utf-8") && utf8.Valid(body) && !hasC1(body) &&
			!bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}) && !bytes.HasPrefix(body, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(body, []byte{0xFE, 0xFF}) &&
			!bytes.Equal(out, body) {
			t.Fatalf("valid UTF-8 declared UTF-8 changed: %q → %q", body, out)
		}
	})
}

// FuzzParseHTML: any page parses (parseHTML flattens what is nested too deep for
// the parser), and the last flattening (text only) always parses. The page is
// head + unit repeated n times (up to 1,200) + tail, so that small inputs nest
// deep and stay quick to minimise.
func FuzzParseHTML(f *testing.F) {
	for _, s := range []struct {
		head, unit, tail string
		n                uint16
	}{
		{"", "<div>", "<p>deep text</p>", 600},
		{"", "<p><b>x</p>y", "", 600},
		{"", "<span><div></span>", "", 300},
		{"<svg>", "<g>", "</svg>", 600},
		{"<noscript>", "<div>", "</noscript>", 600},
		{"", "<table><tr><td>", "<script>'<div>'</script>", 200},
		{"<html><body>", "<p>shallow <b>page</b></p>", "</body></html>", 3},
	} {
		f.Add([]byte(s.head), []byte(s.unit), s.n, []byte(s.tail))
	}
	f.Fuzz(func(t *testing.T, head, unit []byte, n uint16, tail []byte) {
		if len(head)+len(unit)+len(tail) > 256 {
			return
		}
		body := append(append(bytes.Clone(head), bytes.Repeat(unit, int(n%1200))...), tail...)
		root, err := parseHTML(body)
		if err != nil || root == nil {
			t.Fatalf("parseHTML: %v", err)
		}
		flat := flattenDeep(body, flattenings[len(flattenings)-1])
		if _, err := html.ParseWithOptions(bytes.NewReader(flat), html.ParseOptionEnableScripting(false)); err != nil {
			t.Fatalf("flattened to its text, the page still does not parse: %v", err)
		}
	})
}
