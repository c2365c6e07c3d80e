package store

import (
	"context"
	"fmt"
	"maps"

	"github.com/healthcrawl/healthcrawl/internal/keyset"
)

// Reserve implements Committer.
func (m *Memory) Reserve(ctx context.Context, site, worker, key, hash string) (Change, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	prev, ok := s.em.get(keyset.Of(key))
	ch := decide(ok, prev.hash, prev.run, contentHash(hash), s.run)
	if ch == ChangeDuplicate {
		return ch, nil
	}
	if _, held := s.reserved[key]; held {
		return ChangeDuplicate, nil
	}
	if !ch.Emit() {
		// Unchanged: nothing to write; noted in this run so an alias is a duplicate.
		if err := s.addEmitted(key, hash, s.run, 0); err != nil {
			return "", err
		}
		return ch, nil
	}
	s.reserved[key] = worker
	return ch, nil
}

// Unreserve implements Committer.
func (m *Memory) Unreserve(ctx context.Context, site, worker, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	if s.reserved[key] == worker {
		delete(s.reserved, key)
	}
	return nil
}

// Commit implements Committer.
func (m *Memory) Commit(ctx context.Context, b Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(b.Stream) > 0 {
		return fmt.Errorf("memory state: commit of %d stream record(s): %w", len(b.Stream), ErrStreamCommit)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for _, em := range b.Emissions {
		s := m.site(em.Site)
		delete(s.reserved, em.Key)
		if err := s.addEmitted(em.Key, em.Hash, s.run, ns(now)); err != nil {
			return err
		}
		k := keyset.Of(em.Key)
		if md, ok := s.meta[k]; ok {
			md.emitted = ns(now)
			md.hash = em.Hash
			s.meta[k] = md
		}
		if em.Meta != nil && em.URL != "" {
			ku := keyset.Of(em.URL)
			nm := packMeta(*em.Meta)
			if prev, ok := s.meta[ku]; ok {
				nm.emitted = prev.emitted
			} else if e, ok := s.em.get(ku); ok {
				nm.emitted = e.emittedAt
			}
			s.hasMetaFor(ku)
			s.meta[ku] = nm
		}
		if em.URL != "" {
			s.ack(em.URL, Done)
		}
	}
	if len(b.Positions) > 0 {
		p := m.positions[b.Worker]
		if p == nil {
			p = map[string]string{}
			m.positions[b.Worker] = p
		}
		maps.Copy(p, b.Positions)
	}
	return nil
}

// Positions implements Committer.
func (m *Memory) Positions(ctx context.Context, worker string) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.positions[worker]), nil
}
