package config_test

import (
	"net/url"
	"testing"

	"github.com/healthcrawl/healthcrawl/config"
)

func TestParseDomainPattern(t *testing.T) {
	valid := map[string]config.DomainPattern{
		"example.org":           {Host: "example.org"},
		"Example.ORG.":          {Host: "example.org"},
		"*.example.org":         {Host: "example.org", Wildcard: true},
		"example.org:8080":      {Host: "example.org", Port: "8080"},
		"*.example.org:8443":    {Host: "example.org", Wildcard: true, Port: "8443"},
		"127.0.0.1":             {Host: "127.0.0.1"},
		"127.0.0.1:8766":        {Host: "127.0.0.1", Port: "8766"},
		"[::1]:8766":            {Host: "::1", Port: "8766"},
		"[::1]":                 {Host: "::1"},
		"::1":                   {Host: "::1"},
		"localhost":             {Host: "localhost"},
		"my_host.internal":      {Host: "my_host.internal"},
		"bücher.example":        {Host: "bücher.example"},
		"xn--bcher-kva.example": {Host: "xn--bcher-kva.example"},
	}
	for in, want := range valid {
		got, err := config.ParseDomainPattern(in)
		if err != nil || got != want {
			t.Errorf("ParseDomainPattern(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "*", "*.", "https://example.org", "example.org/path", "example.org:", "example.org:0",
		"example.org:65536", "example.org:08080", "example.org:http", "ex ample.org", "a..b",
		".example.org", "-a.example.org", "a-.example.org", "*.*.example.org", "ex*mple.org",
		"*.127.0.0.1", "[::1", "[::1]x", "[127.0.0.1]:80", "user@example.org", "example.org?x",
		"1:2:3", "example.org:80:90",
	} {
		if p, err := config.ParseDomainPattern(in); err == nil {
			t.Errorf("ParseDomainPattern(%q) = %+v, want an error", in, p)
		}
	}
}

// DomainPatternMatches: the matching the crawler is to use for allowed_domains
// entries with ports and wildcards (crawler/site.go wires it in).
func TestDomainPatternMatches(t *testing.T) {
	for _, tc := range []struct {
		pattern, host, port string
		want                bool
	}{
		// a host: itself and its subdomains, any port; www. and bare count as one
		{"example.org", "example.org", "443", true},
		{"example.org", "news.example.org", "80", true},
		{"example.org", "a.b.example.org", "8080", true},
		{"example.org", "EXAMPLE.org.", "443", true},
		{"example.org", "badexample.org", "443", false},
		{"example.org", "example.org.evil.net", "443", false},
		{"example.org", "org", "443", false},
		{"www.example.org", "example.org", "443", true},
		{"www.example.org", "news.example.org", "443", false},
		{"example.org", "", "443", false},
		// a wildcard: subdomains only
		{"*.example.org", "news.example.org", "443", true},
		{"*.example.org", "a.b.example.org", "443", true},
		{"*.example.org", "example.org", "443", false},
		{"*.example.org", "xexample.org", "443", false},
		// a port: that port only
		{"example.org:8080", "example.org", "8080", true},
		{"example.org:8080", "news.example.org", "8080", true},
		{"example.org:8080", "example.org", "80", false},
		{"example.org:8080", "example.org", "", false},
		{"*.example.org:8443", "news.example.org", "8443", true},
		{"*.example.org:8443", "news.example.org", "443", false},
		// addresses: exactly, no suffix matching
		{"127.0.0.1:8766", "127.0.0.1", "8766", true},
		{"127.0.0.1:8766", "127.0.0.1", "6379", false},
		{"127.0.0.1", "127.0.0.1", "6379", true},
		{"127.0.0.1", "x.127.0.0.1", "80", false},
		{"127.0.0.1", "127.0.0.2", "80", false},
		{"[::1]:8766", "::1", "8766", true},
		{"[::1]:8766", "[::1]", "8766", true},
		{"::1", "0:0:0:0:0:0:0:1", "80", true},
		{"[::1]:8766", "::1", "8767", false},
		// invalid patterns match nothing
		{"https://example.org", "example.org", "443", false},
		{"*", "example.org", "443", false},
	} {
		if got := config.DomainPatternMatches(tc.pattern, tc.host, tc.port); got != tc.want {
			t.Errorf("DomainPatternMatches(%q, %q, %q) = %v, want %v", tc.pattern, tc.host, tc.port, got, tc.want)
		}
	}
}

// DomainsAllow takes a URL's host and its effective port (80/443 by scheme).
func TestDomainsAllow(t *testing.T) {
	for _, tc := range []struct {
		patterns []string
		raw      string
		want     bool
	}{
		{[]string{"example.org:443"}, "https://example.org/a", true},
		{[]string{"example.org:443"}, "http://example.org/a", false},
		{[]string{"example.org:80"}, "http://www.example.org/", true},
		{[]string{"127.0.0.1:8766"}, "http://127.0.0.1:8766/", true},
		{[]string{"127.0.0.1:8766"}, "http://127.0.0.1:6379/", false},
		{[]string{"news.example.org", "127.0.0.1:8766"}, "http://127.0.0.1:8766/x", true},
		{[]string{"[::1]:8766"}, "http://[::1]:8766/", true},
		{[]string{"*.example.org"}, "https://example.org/", false},
		{nil, "https://example.org/", false},
	} {
		u, err := url.Parse(tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := config.DomainsAllow(tc.patterns, u); got != tc.want {
			t.Errorf("DomainsAllow(%q, %s) = %v, want %v", tc.patterns, tc.raw, got, tc.want)
		}
	}
	if p := config.EffectivePort(&url.URL{Scheme: "ftp", Host: "x"}); p != "" {
		t.Errorf("EffectivePort(ftp://x) = %q, want empty", p)
	}
}

// FuzzDomainPattern: any entry parses or is refused without panicking, and a parsed
// one matches its own host (unless a wildcard) on its own port.
func FuzzDomainPattern(f *testing.F) {
	for _, s := range []string{"example.org", "*.example.org:8443", "[::1]:8766", "127.0.0.1", "a..b", "[", "*.", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := config.ParseDomainPattern(s)
		if err != nil {
			return
		}
		port := p.Port
		if port == "" {
			port = "443"
		}
		if !p.Wildcard && !p.Matches(p.Host, port) {
			t.Fatalf("%q parsed as %+v does not match its own host %q:%s", s, p, p.Host, port)
		}
		if p.Wildcard && !p.Matches("x."+p.Host, port) {
			t.Fatalf("%q parsed as %+v does not match a subdomain", s, p)
		}
	})
}
