package config

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// DomainPattern is one entry of sites[].allowed_domains, parsed:
//
//	example.org          example.org and every subdomain of it, any port
//	www.example.org      the same, and example.org itself (www. and the bare domain count as one)
//	*.example.org        subdomains of example.org only (not example.org itself), any port
//	example.org:8080     example.org and its subdomains, on port 8080 only
//	*.example.org:8443   subdomains, on port 8443 only
//	127.0.0.1:8766       that address on that port ([::1]:8766 for IPv6)
//
// Host names are matched without regard to case or a trailing dot. A URL without a
// port is on its scheme's default port (80 for http, 443 for https), so
// example.org:443 matches https://example.org/.
type DomainPattern struct {
	Host     string // lower-case, no trailing dot; an IPv6 address without brackets
	Wildcard bool   // "*." before the host: its subdomains only
	Port     string // "" = any port
}

// errDomainSyntax is the problem of an allowed_domains entry that is no pattern.
var errDomainSyntax = errors.New("must be a host name such as example.org, optionally with a port (example.org:8080) or a leading wildcard (*.example.org)")

// ParseDomainPattern parses an allowed_domains entry (see DomainPattern).
func ParseDomainPattern(s string) (DomainPattern, error) {
	var p DomainPattern
	if s == "" || strings.ContainsAny(s, "/?#@ \t\r\n") {
		return p, errDomainSyntax
	}
	host := s
	switch {
	case strings.HasPrefix(s, "["): // [::1] or [::1]:8766
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return p, errDomainSyntax
		}
		host = s[1:end]
		if rest := s[end+1:]; rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return p, errDomainSyntax
			}
			p.Port = rest[1:]
		}
		if ip := net.ParseIP(host); ip == nil || ip.To4() != nil {
			return p, errDomainSyntax
		}
	case strings.Count(s, ":") > 1: // a bare IPv6 address, no port
		if net.ParseIP(s) == nil {
			return p, errDomainSyntax
		}
	case strings.Contains(s, ":"):
		host, p.Port, _ = strings.Cut(s, ":")
	}
	if p.Port != "" || strings.HasSuffix(s, ":") {
		n, err := strconv.Atoi(p.Port)
		if err != nil || n < 1 || n > 65535 || p.Port[0] == '0' {
			return p, errDomainSyntax
		}
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		p.Wildcard, host = true, rest
	}
	if net.ParseIP(host) != nil {
		if p.Wildcard {
			return p, errDomainSyntax
		}
		p.Host = host
		return p, nil
	}
	if !validHostName(host) {
		return p, errDomainSyntax
	}
	p.Host = host
	return p, nil
}

// validHostName: dot-separated labels of letters (any script), digits, '-' and
// '_', none empty, none starting or ending with '-'; 253 bytes at most.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// Matches reports whether a URL's host (url.URL.Hostname()) on port (its effective
// port, see EffectivePort) is allowed by p. port "" matches only patterns without a
// port.
func (p DomainPattern) Matches(host, port string) bool {
	if p.Port != "" && p.Port != port {
		return false
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return false
	}
	if net.ParseIP(p.Host) != nil {
		return net.ParseIP(host).Equal(net.ParseIP(p.Host))
	}
	if p.Wildcard {
		return strings.HasSuffix(host, "."+p.Host)
	}
	return host == p.Host || strings.HasSuffix(host, "."+p.Host) || "www."+host == p.Host
}

// DomainPatternMatches reports whether the allowed_domains entry pattern allows host
// on port (the URL's effective port: EffectivePort). An invalid pattern matches
// nothing.
func DomainPatternMatches(pattern, host, port string) bool {
	p, err := ParseDomainPattern(pattern)
	return err == nil && p.Matches(host, port)
}

// EffectivePort is u's port, or its scheme's default (80 for http, 443 for https;
// "" for other schemes without a port).
func EffectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// DomainsAllow reports whether any of the allowed_domains entries patterns allows u
// (its host and effective port). Invalid entries allow nothing.
func DomainsAllow(patterns []string, u *url.URL) bool {
	host, port := u.Hostname(), EffectivePort(u)
	for _, s := range patterns {
		if DomainPatternMatches(s, host, port) {
			return true
		}
	}
	return false
}
