package fetch

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"
)

// TooBigError is a body over the request's MaxBytes, counted after decompression.
type TooBigError struct {
	URL    string
	Limit  int64
	Length int64 // the announced Content-Length; -1 = found while reading
}

func (e *TooBigError) Error() string {
	if e.Length >= 0 {
		return fmt.Sprintf("fetch %s: Content-Length %d > limit %d", e.URL, e.Length, e.Limit)
	}
	return fmt.Sprintf("fetch %s: body larger than %d bytes (decompressed)", e.URL, e.Limit)
}

// bodyTransport reads every response body the same way, whatever the server did
// to it: any Content-Encoding (gzip, x-gzip, deflate, br) and gzip files (a .gz
// path or a gzip Content-Type, recognised by their magic bytes) are decompressed,
// and the result is cut at the request's MaxBytes — after decompression, so a
// small compressed body cannot expand without bound. The response handed on is
// marked Uncompressed, with Content-Encoding and Content-Length removed, as
// net/http does for its own transparent gzip.
type bodyTransport struct {
	next http.RoundTripper
}

func (t *bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	var limit int64
	truncate := false
	if st, ok := req.Context().Value(stateKey{}).(*state); ok {
		limit, truncate = st.req.MaxBytes, st.req.Truncate
	}
	body, err := decodedBody(resp.Body, resp.Header, req.URL.Path)
	if err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	if body != resp.Body {
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
	}
	resp.Uncompressed = true // nothing is left for the client library to decompress
	resp.Body = &boundedBody{r: body, closer: resp.Body, limit: limit, truncate: truncate, url: req.URL.String()}
	return resp, nil
}

// decodedBody is body with its encodings undone (the last applied is undone first).
func decodedBody(body io.ReadCloser, h http.Header, path string) (io.ReadCloser, error) {
	var r io.Reader = body
	changed := false
	encs := strings.Split(h.Get("Content-Encoding"), ",")
	for i := len(encs) - 1; i >= 0; i-- {
		enc := strings.ToLower(strings.TrimSpace(encs[i]))
		var err error
		switch enc {
		case "", "identity":
			continue
		case "gzip", "x-gzip":
			r, err = gzip.NewReader(r)
		case "deflate":
			r, err = zlibOrFlate(r)
		case "br":
			r = brotli.NewReader(r)
		default:
			return nil, fmt.Errorf("Content-Encoding %q not supported", enc)
		}
		if err != nil {
			return nil, fmt.Errorf("Content-Encoding %s: %w", enc, err)
		}
		changed = true
	}
	ct := strings.ToLower(h.Get("Content-Type"))
	if strings.HasSuffix(strings.ToLower(path), ".gz") || strings.Contains(ct, "gzip") {
		// A gzip file (a sitemap.xml.gz): decompressed when it is one.
		br := bufio.NewReader(r)
		if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
			z, err := gzip.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("gzip file: %w", err)
			}
			r = z
		} else {
			r = br
		}
		changed = true
	}
	if !changed {
		return body, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{r, body}, nil
}

// zlibOrFlate reads "deflate", which servers send either zlib-wrapped (as the
// standard says) or raw.
func zlibOrFlate(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}

// boundedBody reads at most limit bytes (0 = no limit); one byte more is an error,
// or the end of the body when truncate is set.
type boundedBody struct {
	r        io.Reader
	closer   io.Closer
	limit    int64
	truncate bool
	n        int64
	url      string
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.truncate && b.limit > 0 {
		if b.n >= b.limit {
			return 0, io.EOF
		}
		if int64(len(p)) > b.limit-b.n {
			p = p[:b.limit-b.n]
		}
		n, err := b.r.Read(p)
		b.n += int64(n)
		return n, err
	}
	if b.limit > 0 && int64(len(p)) > b.limit-b.n+1 {
		p = p[:b.limit-b.n+1]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.limit > 0 && b.n > b.limit {
		return n, &TooBigError{URL: b.url, Limit: b.limit, Length: -1}
	}
	return n, err
}

func (b *boundedBody) Close() error { return b.closer.Close() }

// contentLength is the announced Content-Length of h; -1 when there is none.
func contentLength(h http.Header) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(h.Get("Content-Length")), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// isTooBig reports whether err is (or wraps) a body over its limit.
func isTooBig(err error) (*TooBigError, bool) {
	var tb *TooBigError
	ok := errors.As(err, &tb)
	return tb, ok
}
