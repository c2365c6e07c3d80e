package extractors

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

// headScanLimit bounds the search for a <meta charset> when </head> is missing.
const headScanLimit = 64 << 10

// DecodeHTML converts body to UTF-8. The encoding is chosen, in order, from a byte
// order mark, the charset parameter of contentType, a <meta charset> or
// <meta http-equiv="Content-Type"> anywhere in the head, and finally sniffing.
// A body that is valid UTF-8 with non-ASCII text stays UTF-8 even when a legacy
// single-byte or multi-byte charset is declared or nothing is declared: valid UTF-8
// multi-byte sequences practically never occur in legacy-encoded text.
// Invalid UTF-8 left after decoding is replaced by U+FFFD.
//
// Text that was UTF-8, read as Latin-1 and written out as UTF-8 again
// ("Investorâ\u0080\u0099s" for "Investor’s") is repaired (repairMojibake).
func DecodeHTML(body []byte, contentType string) ([]byte, error) {
	out, err := decodeHTML(body, contentType)
	if err != nil {
		return nil, err
	}
	return repairMojibake(out), nil
}

func decodeHTML(body []byte, contentType string) ([]byte, error) {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return toValid(body[3:]), nil
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le", body)
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be", body)
	}
	label := headerCharset(contentType)
	if label == "" {
		label = metaCharset(body)
	}
	valid := utf8.Valid(body)
	if label != "" {
		enc, name := charset.Lookup(label)
		if enc != nil {
			if name == "utf-8" || (valid && hasNonASCII(body)) || name == "utf-16le" || name == "utf-16be" {
				// (A meta tag cannot really declare UTF-16 — the page would not
				// be readable as ASCII; browsers treat it as UTF-8.)
				if valid {
					return body, nil // toValid(body), without checking it again
				}
				return toValid(body), nil
			}
			return decodeWith(enc, name, body)
		}
	}
	if valid {
		return body, nil
	}
	enc, name, _ := charset.DetermineEncoding(body, "")
	if name == "utf-8" {
		// Mostly UTF-8 with a few bad bytes: keep it UTF-8.
		return toValid(body), nil
	}
	return decodeWith(enc, name, body)
}

func decodeWith(enc encoding.Encoding, name string, body []byte) ([]byte, error) {
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("decode %s body: %w", name, err)
	}
	return toValid(out), nil
}

func toValid(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func headerCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		// Be lenient with malformed headers: look for charset= by hand
		// (ASCII case folding only: strings.ToLower would change the length
		// of a header holding invalid UTF-8, and the index with it).
		i := indexASCIIFold(contentType, "charset=")
		if i < 0 {
			return ""
		}
		return strings.Trim(strings.TrimSpace(contentType[i+len("charset="):]), `"';`)
	}
	return strings.TrimSpace(params["charset"])
}

// indexASCIIFold is strings.Index with ASCII letters matched case-insensitively;
// needle must be lower case. Byte offsets are those of s.
func indexASCIIFold(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		j := 0
		for ; j < len(needle); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
		}
		if j == len(needle) {
			return i
		}
	}
	return -1
}

// metaCharset finds a charset declared in a <meta> tag of the head (up to </head>,
// or the first 64 KiB when there is no </head>).
func metaCharset(body []byte) string {
	head := body
	if len(head) > headScanLimit {
		head = head[:headScanLimit]
	}
	if i := indexFold(head, []byte("</head")); i >= 0 {
		head = head[:i]
	} else if i := indexFold(head, []byte("<body")); i >= 0 {
		head = head[:i]
	}
	off := 0
	for {
		i := indexFold(head[off:], []byte("<meta"))
		if i < 0 {
			return ""
		}
		start := off + i
		end := bytes.IndexByte(head[start:], '>')
		if end < 0 {
			return ""
		}
		tag := head[start : start+end]
		off = start + end
		j := indexFold(tag, []byte("charset"))
		if j < 0 {
			continue
		}
		v := tag[j+len("charset"):]
		v = bytes.TrimLeft(v, " \t\r\n")
		if len(v) == 0 || v[0] != '=' {
			continue
		}
		v = bytes.TrimLeft(v[1:], " \t\r\n\"'")
		k := bytes.IndexAny(v, " \t\r\n\"';/>")
		if k >= 0 {
			v = v[:k]
		}
		if len(v) > 0 {
			return string(v)
		}
	}
}

// indexFold is bytes.Index for an ASCII lower-case needle, ignoring ASCII case.
func indexFold(s, lowerNeedle []byte) int {
	n := len(lowerNeedle)
	if n == 0 {
		return 0
	}
	first := lowerNeedle[0]
	// The bytes that can start a match: first, and first&^0x20 (its upper
	// case; for "<", also 0x1c); jump from one to the next.
	other := first &^ 0x20
	lim := len(s) - n + 1
	nextOther := -2 // the next other at or after i; -1 none left; -2 not searched yet
	for i := 0; i+n <= len(s); i++ {
		j := bytes.IndexByte(s[i:lim], first)
		if j >= 0 {
			j += i
		}
		if other != first {
			if nextOther == -2 || nextOther >= 0 && nextOther < i {
				nextOther = bytes.IndexByte(s[i:lim], other)
				if nextOther >= 0 {
					nextOther += i
				}
			}
			if nextOther >= 0 && (j < 0 || nextOther < j) {
				j = nextOther
			}
		}
		if j < 0 {
			return -1
		}
		i = j
		c := s[i]
		if c|0x20 != first && c != first {
			continue
		}
		ok := true
		for k := 1; k < n; k++ {
			d := s[i+k]
			if 'A' <= d && d <= 'Z' {
				d += 'a' - 'A'
			}
			if d != lowerNeedle[k] {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// hasC1 reports UTF-8 text holding a C1 control character (U+0080–U+009F),
// which real text never holds: the sign of UTF-8 decoded as Latin-1.
func hasC1(b []byte) bool {
	for off := 0; ; {
		i := bytes.IndexByte(b[off:], 0xC2)
		if i < 0 || off+i+1 >= len(b) {
			return false
		}
		if c := b[off+i+1]; c >= 0x80 && c <= 0x9F {
			return true
		}
		off += i + 1
	}
}

// repairMojibake undoes a double UTF-8 encoding in valid UTF-8 text b: runs
// of U+0080–U+00FF characters that, taken as Latin-1 bytes, form UTF-8
// sequences ("â\u0080\u0099" is ’, "Ã©" is é). Only a page holding C1
// control characters is touched (hasC1), and there only sequences holding a
// C1 byte or standing for a Latin-1 character (lead byte C2 or C3): Latin-1
// text ("café", "naïve", "Ångström") has no such runs. b is returned as is
// when nothing changes.
func repairMojibake(b []byte) []byte {
	if !hasC1(b) {
		return b
	}
	out := make([]byte, 0, len(b))
	var run []byte
	flush := func() {
		for j := 0; j < len(run); {
			if n := utf8SeqLen(run[j]); n > 1 && j+n <= len(run) {
				seq := run[j : j+n]
				r, size := utf8.DecodeRune(seq)
				c1 := false
				for _, c := range seq[1:] {
					if c >= 0x80 && c <= 0x9F {
						c1 = true
					}
				}
				if r != utf8.RuneError && size == n && (c1 || seq[0] == 0xC2 || seq[0] == 0xC3) {
					out = utf8.AppendRune(out, r)
					j += n
					continue
				}
			}
			out = utf8.AppendRune(out, rune(run[j]))
			j++
		}
		run = run[:0]
	}
	for i := 0; i < len(b); {
		c := b[i]
		if (c == 0xC2 || c == 0xC3) && i+1 < len(b) {
			// U+0080–U+00FF: one Latin-1 byte.
			run = append(run, (c&0x03)<<6|b[i+1]&0x3F)
			i += 2
			continue
		}
		if len(run) > 0 {
			flush()
		}
		out = append(out, c)
		i++
	}
	if len(run) > 0 {
		flush()
	}
	return out
}

// utf8SeqLen is the length of the UTF-8 sequence lead byte c starts, 0 for
// a byte that starts none.
func utf8SeqLen(c byte) int {
	switch {
	case c >= 0xC2 && c <= 0xDF:
		return 2
	case c >= 0xE0 && c <= 0xEF:
		return 3
	case c >= 0xF0 && c <= 0xF4:
		return 4
	}
	return 0
}
