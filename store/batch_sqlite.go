package store

import (
	"context"
	"fmt"
)

// Apply implements Store: the operations one after the other; its Nacks are
// committed before it returns (one commit for all of them, see Nack).
func (s *SQLite) Apply(ctx context.Context, site string, ops Ops) ([]bool, error) {
	nacks := ops.Nack
	ops.Nack = nil
	queued, err := applyEach(ctx, s, site, ops)
	if err != nil || len(nacks) == 0 {
		return queued, err
	}
	for _, u := range nacks {
		s.nackAsync(site, u)
	}
	if err := s.flush(ctx); err != nil {
		return nil, fmt.Errorf("apply: nack %s and %d more: %w", nacks[0], len(nacks)-1, err)
	}
	return queued, nil
}

// GetMetas implements Store.
func (s *SQLite) GetMetas(ctx context.Context, site string, urls []string) (map[string]Meta, error) {
	return getMetaEach(ctx, s, site, urls)
}

// ReserveMany implements Committer: Reserve after Reserve.
func (s *SQLite) ReserveMany(ctx context.Context, worker string, rs []Reservation) ([]Change, error) {
	return reserveEach(ctx, s, worker, rs)
}
