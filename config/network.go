package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParseAddrRange reads an entry of crawl.network.allow: an address ("10.0.0.5",
// "::1") or a CIDR range ("10.1.0.0/16").
func ParseAddrRange(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not an address or CIDR range (like 10.0.0.5 or 10.1.0.0/16)")
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an address or CIDR range (like 10.0.0.5 or 10.1.0.0/16)")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
