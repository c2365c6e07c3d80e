package crawler

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/healthcrawl/healthcrawl/config"
)

// trackingParams are query parameters that only identify a campaign or a click and
// never change the page. They are dropped by Canonicalize. Keys are compared in
// lower case; any key starting with "utm_" is dropped too.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "mc_cid": true, "mc_eid": true, "yclid": true, "igshid": true,
	"_ga": true, "_gl": true, "_hsenc": true, "_hsmi": true, "mkt_tok": true,
	"oly_anon_id": true, "oly_enc_id": true, "vero_id": true, "ttclid": true,
	"twclid": true, "li_fat_id": true, "srsltid": true,
}

// ErrNotHTTP is returned by Canonicalize for URLs that are not http(s) (mailto:, javascript:, …).
var ErrNotHTTP = errors.New("not an http(s) URL")

// canonicalizer puts URLs in canonical form. Besides the fixed rules (see
// Canonicalize) it drops the parameters of its strip list (crawl.strip_params and
// crawl.strip_params_extra: session ids by default) from the query and from the path
// (";jsessionid=…" path parameters).
type canonicalizer struct {
	strip    map[string]bool // lower-case parameter names
	prefixes []string        // lower-case name prefixes (list entries ending in "*")
}

// newCanonicalizer is a canonicalizer that strips params (names, case-insensitive; a
// trailing "*" matches any name with that prefix).
func newCanonicalizer(params []string) *canonicalizer {
	c := &canonicalizer{strip: map[string]bool{}}
	for _, p := range params {
		p = strings.ToLower(strings.TrimSpace(p))
		switch {
		case p == "" || p == "*":
		case strings.HasSuffix(p, "*"):
			c.prefixes = append(c.prefixes, strings.TrimSuffix(p, "*"))
		default:
			c.strip[p] = true
		}
	}
	return c
}

// defaultCanon strips config.DefaultStripParams; canonicalURL and Canonicalize use it.
var defaultCanon = newCanonicalizer(config.DefaultStripParams)

// canonicalizerFor is the canonicalizer of a crawl configuration (its strip_params
// and strip_params_extra).
func canonicalizerFor(cr config.Crawl) *canonicalizer {
	return newCanonicalizer(cr.StripParamList())
}

// canonURL is u in canonical form with the job's strip list (crawl.strip_params).
func (s *siteRun) canonURL(u *url.URL) (string, error) {
	return s.job.canon.canon(u)
}

// keyOf is the visited key of u in canonical form ("" when it has none).
func (s *siteRun) keyOf(u *url.URL) string {
	c, err := s.canonURL(u)
	if err != nil {
		return ""
	}
	return Key(c)
}

// stripped reports whether the parameter named name (decoded) is on the strip list.
func (c *canonicalizer) stripped(name string) bool {
	if c == nil || (len(c.strip) == 0 && len(c.prefixes) == 0) {
		return false
	}
	l := strings.ToLower(name)
	if c.strip[l] {
		return true
	}
	for _, p := range c.prefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// Canonicalize returns the fetchable normal form of an absolute http(s) URL:
// scheme and host lower-cased, default port (:80, :443) removed, fragment dropped,
// empty path made "/", dot segments resolved, tracking parameters (utm_*, fbclid,
// gclid, mc_cid, …) and session-id parameters (config.DefaultStripParams, in the
// query or as ";name=value" path parameters) dropped and the remaining query sorted
// by key (values keep their order). The trailing slash is kept, because servers may
// treat /a and /a/ as different resources; Key folds it.
func Canonicalize(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("canonicalize %q: %w", raw, err)
	}
	return canonicalURL(u)
}

// canonicalURL is u in canonical form with the default strip list.
func canonicalURL(u *url.URL) (string, error) { return defaultCanon.canon(u) }

// canon is u in canonical form (see Canonicalize), with c's strip list.
func (c *canonicalizer) canon(u *url.URL) (string, error) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("canonicalize %q: %w", u.String(), ErrNotHTTP)
	}
	if u.Host == "" {
		return "", fmt.Errorf("canonicalize %q: missing host", u.String())
	}
	cu := *u
	cu.Scheme = scheme
	cu.User = nil
	cu.Fragment, cu.RawFragment = "", ""
	hostname, port := splitHostPort(strings.ToLower(cu.Host))
	hostname = strings.TrimRight(hostname, ".")
	if hostname == "" {
		return "", fmt.Errorf("canonicalize %q: missing host", u.String())
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	host := hostname
	if port != "" {
		host += ":" + port
	}
	cu.Host = host
	if strings.IndexByte(cu.Path, ';') >= 0 {
		c.stripPathParams(&cu)
	}
	if cu.Path == "" {
		cu.Path, cu.RawPath = "/", ""
	} else if strings.Contains(cu.Path, "/.") {
		ref := &url.URL{Path: cu.Path, RawPath: cu.RawPath}
		r := (&url.URL{Scheme: scheme, Host: host, Path: "/"}).ResolveReference(ref)
		cu.Path, cu.RawPath = r.Path, r.RawPath
	}
	cu.RawQuery = c.cleanQuery(cu.RawQuery)
	cu.ForceQuery = false
	cu.Opaque = ""
	return cu.String(), nil
}

// stripPathParams drops the ";name=value" parameters of u's path segments whose
// name is on the strip list (/a;jsessionid=1F/b → /a/b). Other path parameters stay.
func (c *canonicalizer) stripPathParams(u *url.URL) {
	ep := u.EscapedPath()
	segs := strings.Split(ep, "/")
	changed := false
	for i, seg := range segs {
		if strings.IndexByte(seg, ';') < 0 {
			continue
		}
		parts := strings.Split(seg, ";")
		kept := parts[:1]
		for _, p := range parts[1:] {
			name, _, _ := strings.Cut(p, "=")
			if dn, err := url.PathUnescape(name); err == nil {
				name = dn
			}
			if c.stripped(name) {
				changed = true
				continue
			}
			kept = append(kept, p)
		}
		segs[i] = strings.Join(kept, ";")
	}
	if !changed {
		return
	}
	ep = strings.Join(segs, "/")
	p, err := url.PathUnescape(ep)
	if err != nil {
		return
	}
	u.Path, u.RawPath = p, ep // EscapedPath uses RawPath only when it encodes Path
}

// cleanQuery drops tracking parameters and the parameters of the strip list and sorts
// the rest by key, keeping each key's values in their original order. Parameters are
// kept as written (not re-encoded) so that the server sees the same bytes.
func (c *canonicalizer) cleanQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type kv struct {
		key  string // decoded, for sorting
		pair string // as written
	}
	var kept []kv
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, _, _ := strings.Cut(pair, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			dk = k
		}
		lk := strings.ToLower(dk)
		if strings.HasPrefix(lk, "utm_") || trackingParams[lk] || c.stripped(dk) {
			continue
		}
		kept = append(kept, kv{key: dk, pair: pair})
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].key < kept[j].key })
	parts := make([]string, len(kept))
	for i, p := range kept {
		parts[i] = p.pair
	}
	return strings.Join(parts, "&")
}

// Key returns the visited-set key of a canonical URL: the URL with one trailing-slash
// policy applied (a trailing slash on a non-root path is dropped), so /a and /a/ are
// the same page for de-duplication.
func Key(canonical string) string {
	path, query, hasQuery := strings.Cut(canonical, "?")
	// path here is scheme://host/path; keep the root slash.
	if i := strings.Index(path, "://"); i >= 0 {
		rest := path[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 && len(rest) > j+1 {
			path = strings.TrimRight(path, "/")
			if strings.HasSuffix(path, ":") || !strings.Contains(path[i+3:], "/") {
				path += "/"
			}
		}
	}
	if hasQuery {
		return path + "?" + query
	}
	return path
}

// splitHostPort splits "host:port", "[v6]:port", "host" or "[v6]"; the brackets of an
// IPv6 literal stay with the host. An empty port after ":" is dropped.
func splitHostPort(hp string) (host, port string) {
	if strings.HasPrefix(hp, "[") {
		if i := strings.LastIndex(hp, "]"); i >= 0 {
			host, rest := hp[:i+1], hp[i+1:]
			return host, strings.TrimPrefix(rest, ":")
		}
		return hp, ""
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		return hp[:i], hp[i+1:]
	}
	return hp, ""
}
