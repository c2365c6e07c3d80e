package store

import "context"

// Apply implements Store.
func (p *prefixed) Apply(ctx context.Context, site string, ops Ops) ([]bool, error) {
	return p.st.Apply(ctx, p.ns(site), ops)
}

// GetMetas implements Store.
func (p *prefixed) GetMetas(ctx context.Context, site string, urls []string) (map[string]Meta, error) {
	return p.st.GetMetas(ctx, p.ns(site), urls)
}
