package extractors

import (
	"bytes"
	"net/http"
	"strings"
)

// binarySniffLen is how much of a body LooksBinary looks at.
const binarySniffLen = 4096

// LooksBinary reports whether body is not a text page but binary content (an
// image, a PDF, an archive, a program) that no extraction should read:
//
//   - it starts with the signature of a binary file format (http.DetectContentType:
//     PNG, GIF, JPEG, WebP, BMP, PDF, PostScript, ZIP, gzip, RAR, fonts, audio,
//     video, WebAssembly) and, unless it is PDF or PostScript (long signatures
//     that are text at first), holds a control byte in its first 4 KiB — so a
//     text page that merely starts like one ("BM…" is a BMP signature) is read;
//   - or more than 5 % of its first 4 KiB are control bytes: NUL and the C0
//     controls other than tab, line feed, form feed, carriage return and escape
//     (ISO-2022-JP text switches character sets with escape sequences).
//
// A page holding a few NUL bytes in otherwise HTML text is text: a browser shows
// it (the HTML parser drops a NUL in text, or reads it as U+FFFD in titles and
// attributes), and so does the extractor. A body starting with a UTF-16 byte order
// mark is text (its ASCII characters have NUL halves).
func LooksBinary(body []byte) bool {
	head := body[:min(len(body), binarySniffLen)]
	if bytes.HasPrefix(head, []byte{0xFE, 0xFF}) || bytes.HasPrefix(head, []byte{0xFF, 0xFE}) {
		return false
	}
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' && c != 0x1B {
			ctl++
		}
	}
	if ctl*100 > len(head)*5 {
		return true
	}
	switch ct := http.DetectContentType(head); {
	case strings.HasPrefix(ct, "application/pdf"), strings.HasPrefix(ct, "application/postscript"):
		return true
	case strings.HasPrefix(ct, "text/"), strings.HasPrefix(ct, "application/octet-stream"):
		return false
	default:
		return ctl > 0
	}
}
