package store

import "context"

// Apply implements Store: the operations one after the other.
func (s *SQLite) Apply(ctx context.Context, site string, ops Ops) ([]bool, error) {
	return applyEach(ctx, s, site, ops)
}

// GetMetas implements Store.
func (s *SQLite) GetMetas(ctx context.Context, site string, urls []string) (map[string]Meta, error) {
	return getMetaEach(ctx, s, site, urls)
}

// ReserveMany implements Committer: Reserve after Reserve.
func (s *SQLite) ReserveMany(ctx context.Context, worker string, rs []Reservation) ([]Change, error) {
	return reserveEach(ctx, s, worker, rs)
}
