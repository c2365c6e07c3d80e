package crawler

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
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

// Canonicalize returns the fetchable normal form of an absolute http(s) URL:
// scheme and host lower-cased, default port (:80, :443) removed, fragment dropped,
// empty path made "/", dot segments resolved, tracking parameters (utm_*, fbclid,
// gclid, mc_cid, …) dropped and the remaining query sorted by key (values keep their
// order). The trailing slash is kept, because servers may treat /a and /a/ as
// different resources; Key folds it.
func Canonicalize(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("canonicalize %q: %w", raw, err)
	}
	return canonicalURL(u)
}

func canonicalURL(u *url.URL) (string, error) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("canonicalize %q: %w", u.String(), ErrNotHTTP)
	}
	if u.Host == "" {
		return "", fmt.Errorf("canonicalize %q: missing host", u.String())
	}
	c := *u
	c.Scheme = scheme
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	hostname, port := splitHostPort(strings.ToLower(c.Host))
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
	c.Host = host
	if c.Path == "" {
		c.Path, c.RawPath = "/", ""
	} else if strings.Contains(c.Path, "/.") {
		ref := &url.URL{Path: c.Path, RawPath: c.RawPath}
		r := (&url.URL{Scheme: scheme, Host: host, Path: "/"}).ResolveReference(ref)
		c.Path, c.RawPath = r.Path, r.RawPath
	}
	c.RawQuery = cleanQuery(c.RawQuery)
	c.ForceQuery = false
	c.Opaque = ""
	return c.String(), nil
}

// cleanQuery drops tracking parameters and sorts the rest by key, keeping each
// key's values in their original order. Parameters are kept as written (not
// re-encoded) so that the server sees the same bytes.
func cleanQuery(raw string) string {
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
		if strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
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
