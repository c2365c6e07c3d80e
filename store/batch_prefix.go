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

// ReserveMany implements Committer.
func (p *prefixed) ReserveMany(ctx context.Context, worker string, rs []Reservation) ([]Change, error) {
	ns := make([]Reservation, len(rs))
	for i, r := range rs {
		ns[i] = Reservation{Site: p.ns(r.Site), Key: r.Key, Hash: r.Hash}
	}
	return p.st.ReserveMany(ctx, worker, ns)
}
