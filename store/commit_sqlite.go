package store

import (
	"context"
	"errors"
)

var errCommitSQLite = errors.New("sqlite: write-then-commit not implemented yet")

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
