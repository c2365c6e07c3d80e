package store

import (
	"context"
	"fmt"
)

// (ErrNotBuilt: the conformance suite skips the Committer cases until it is.)
var errCommitSQLite = fmt.Errorf("sqlite: write-then-commit: %w", ErrNotBuilt)

// Reserve implements Committer.
func (s *SQLite) Reserve(ctx context.Context, site, worker, key, hash string) (Change, error) {
	return "", errCommitSQLite
}

// Unreserve implements Committer.
func (s *SQLite) Unreserve(ctx context.Context, site, worker, key string) error {
	return errCommitSQLite
}

// Commit implements Committer.
func (s *SQLite) Commit(ctx context.Context, b Batch) error { return errCommitSQLite }

// Positions implements Committer.
func (s *SQLite) Positions(ctx context.Context, worker string) (map[string]string, error) {
	return nil, errCommitSQLite
}
