package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// AddressPolicy says which addresses a fetcher may connect to. Loopback, private,
// link-local, unspecified and multicast addresses are refused unless allowed: by
// AllowPrivate, by a prefix of Allow, or as one of Own (the addresses of the site's
// own start URLs). The check is made on the address actually connected to, after
// DNS, for every connection (redirects included), so neither a DNS answer nor a
// redirect can lead around it.
type AddressPolicy struct {
	AllowPrivate bool
	Allow        []netip.Prefix
	Own          []netip.Addr
	// Lookup resolves a host name; nil = the system resolver. (Tests resolve names
	// to loopback addresses with it.)
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// AddressError is a connection the policy refused.
type AddressError struct {
	Host string
	Addr netip.Addr
	Why  string // "loopback", "private", "link-local", "unspecified", "multicast"
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("address %s of %s is %s: not allowed (crawl.network)", e.Addr, e.Host, e.Why)
}

// Reason is the accounting reason of the refusal.
func (e *AddressError) Reason() string { return "address not allowed: " + e.Why }

// restricted names the kind of address a is when the policy must allow it
// explicitly; "" = a public address.
func restricted(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	case a.Is4() && a.As4()[0] == 0: // 0.0.0.0/8: "this network"
		return "unspecified"
	case a.Is4() && a.As4()[0] == 100 && a.As4()[1]&0xc0 == 64: // 100.64.0.0/10, carrier-grade NAT
		return "private"
	}
	return ""
}

// Check returns an *AddressError when the policy refuses a (of host), else nil.
func (p *AddressPolicy) Check(host string, a netip.Addr) error {
	why := restricted(a)
	if why == "" || p.AllowPrivate {
		return nil
	}
	a = a.Unmap()
	for _, o := range p.Own {
		if o.Unmap() == a {
			return nil
		}
	}
	for _, pre := range p.Allow {
		if pre.Contains(a) {
			return nil
		}
	}
	return &AddressError{Host: host, Addr: a, Why: why}
}

// Resolve returns the addresses of host (an IP literal is its own address).
func (p *AddressPolicy) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{a}, nil
	}
	if p.Lookup != nil {
		return p.Lookup(ctx, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// Transport is a clone of http.DefaultTransport that resolves every host itself
// and connects only to addresses the policy allows (the first allowed one that
// answers).
func (p *AddressPolicy) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Keep a connection per request slot (the default of 2 idle connections per
	// host makes a crawl at parallelism 4 reconnect all the time).
	t.MaxIdleConnsPerHost = 64
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		addrs, err := p.Resolve(ctx, host)
		if err != nil {
			return nil, err
		}
		var refused, lastErr error
		for _, a := range addrs {
			if err := p.Check(host, a); err != nil {
				refused = err
				continue
			}
			conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
			if err == nil {
				return conn, nil
			}
			lastErr = err
		}
		switch {
		case lastErr != nil:
			return nil, lastErr
		case refused != nil:
			return nil, refused
		}
		return nil, &net.DNSError{Err: "no address", Name: host, IsNotFound: true}
	}
	return t
}

// IsAddressError reports whether err is (or wraps) a refused address.
func IsAddressError(err error) (*AddressError, bool) {
	var ae *AddressError
	ok := errors.As(err, &ae)
	return ae, ok
}
