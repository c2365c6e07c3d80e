package store

import "context"

// Apply implements Store: the operations one after the other.
func (m *Memory) Apply(ctx context.Context, site string, ops Ops) ([]bool, error) {
	return applyEach(ctx, m, site, ops)
}

// GetMetas implements Store.
func (m *Memory) GetMetas(ctx context.Context, site string, urls []string) (map[string]Meta, error) {
	return getMetaEach(ctx, m, site, urls)
}

// ReserveMany implements Committer: Reserve after Reserve.
func (m *Memory) ReserveMany(ctx context.Context, worker string, rs []Reservation) ([]Change, error) {
	return reserveEach(ctx, m, worker, rs)
}
