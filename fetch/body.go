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
// small compressed body cannot expand without bound.
//
// For a fetch (a request whose context carries its state) it also ends the
// exchange: a redirect passes through (the client follows it); any other response
// is checked — a status outside 2xx, an announced length over the limit and the
// Request's Accept hook stop it without reading the body — and its body is read
// here, into a buffer of the announced size when there is one, and kept in the
// fetch's Response. The client library is handed an empty body: colly neither
// copies nor re-encodes it.
type bodyTransport struct {
	next http.RoundTripper
}

func (t *bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	st, _ := req.Context().Value(stateKey{}).(*state)
	if st == nil || isRedirect(resp) {
		return resp, nil
	}
	r := st.req
	out := &Response{URL: req.URL.String(), Status: resp.StatusCode, Header: resp.Header.Clone(), Redirects: st.redirects}
	st.resp = out
	stop := func(err error) (*http.Response, error) {
		st.stop = err
		resp.Body.Close()
		resp.Body = http.NoBody
		return resp, nil
	}
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return stop(nil) // the body of an error response is not needed
	case r.MaxBytes > 0 && !r.Truncate && contentLength(resp.Header) > r.MaxBytes:
		return stop(&TooBigError{URL: r.URL, Limit: r.MaxBytes, Length: contentLength(resp.Header)})
	case r.Accept != nil:
		if err := r.Accept(resp.StatusCode, out.Header); err != nil {
			return stop(err)
		}
	}
	body, err := decodedBody(resp.Body, resp.Header, req.URL.Path)
	if err != nil {
		return stop(fmt.Errorf("fetch %s: %w", r.URL, err))
	}
	if body != resp.Body {
		out.Header.Del("Content-Encoding")
		out.Header.Del("Content-Length")
	}
	b := &boundedBody{r: body, closer: resp.Body, limit: r.MaxBytes, truncate: r.Truncate, url: r.URL}
	if r.Stream != nil {
		err = r.Stream(b) // read as it downloads: no Body is kept
	} else {
		size := contentLength(resp.Header)
		if body != resp.Body || (r.MaxBytes > 0 && size > r.MaxBytes) {
			size = -1
		}
		out.Body, err = readBody(b, size)
	}
	if tb, ok := isTooBig(err); ok {
		out.Body = nil
		return stop(tb)
	}
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	resp.Body = http.NoBody
	resp.Header.Del("Content-Encoding")
	resp.Uncompressed = true // nothing is left for the client library to decompress
	return resp, nil
}

// isRedirect: a response the client follows.
func isRedirect(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return resp.Header.Get("Location") != ""
	}
	return false
}

// readBody reads r to its end: into one buffer of size bytes when the size is
// announced (no growing copies), else into a growing buffer.
func readBody(r io.Reader, size int64) ([]byte, error) {
	if size >= 0 {
		buf := make([]byte, size, size+1)
		n, err := io.ReadFull(r, buf)
		switch {
		case err == io.ErrUnexpectedEOF || err == io.EOF:
			return buf[:n], nil
		case err != nil:
			return nil, err
		}
		// More than announced: read on.
		var rest bytes.Buffer
		if _, err := rest.ReadFrom(r); err != nil {
			return nil, err
		}
		return append(buf, rest.Bytes()...), nil
	}
	var b bytes.Buffer
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
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
		// The byte past the limit only tells that there is one: it is not given.
		return n - int(b.n-b.limit), &TooBigError{URL: b.url, Limit: b.limit, Length: -1}
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
