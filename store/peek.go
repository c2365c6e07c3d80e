package store

import "context"

// MetaPeeker is implemented by stores that read a page's metadata without its
// links for less than GetMeta (the links are most of a stored page's bytes): the
// crawler asks it of every sitemap entry on an incremental run.
type MetaPeeker interface {
	// PeekMeta is GetMeta without Links.
	PeekMeta(ctx context.Context, site, url string) (m Meta, ok bool, err error)
}

// PeekMeta is st's PeekMeta, or its GetMeta without the links.
func PeekMeta(ctx context.Context, st Store, site, url string) (Meta, bool, error) {
	if p, ok := st.(MetaPeeker); ok {
		return p.PeekMeta(ctx, site, url)
	}
	m, ok, err := st.GetMeta(ctx, site, url)
	m.Links = nil
	return m, ok, err
}

// PeekMeta implements MetaPeeker.
func (p *prefixed) PeekMeta(ctx context.Context, site, url string) (Meta, bool, error) {
	return PeekMeta(ctx, p.st, p.ns(site), url)
}
