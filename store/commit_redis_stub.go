package store

import (
	"context"
	"errors"
)

var errCommitRedis = errors.New("redis: write-then-commit not implemented yet")

// Reserve implements Committer.
func (s *Redis) Reserve(ctx context.Context, site, worker, key, hash string) (Change, error) {
	return "", errCommitRedis
}

// Unreserve implements Committer.
func (s *Redis) Unreserve(ctx context.Context, site, worker, key string) error { return errCommitRedis }

// Commit implements Committer.
func (s *Redis) Commit(ctx context.Context, b Batch) error { return errCommitRedis }

// Positions implements Committer.
func (s *Redis) Positions(ctx context.Context, worker string) (map[string]string, error) {
	return nil, errCommitRedis
}
