package store

import (
	"context"
	"fmt"
)

// Ops are frontier operations on one site that Store.Apply carries out together:
// the redis engine in one script call (one round trip, atomic), the other engines
// one after the other. They are applied in this order: every Enqueue, then every
// Meta, then every Ack, then every Nack, so a page's links and metadata are stored
// before (or with) the end of its lease.
type Ops struct {
	Enqueue []EnqueueOp // each as Store.Enqueue
	Meta    []MetaOp    // each as Store.PutMeta
	Ack     []AckOp     // each as Store.Ack
	Nack    []string    // URLs, each as Store.Nack
}

// Empty reports whether ops hold no operation.
func (o Ops) Empty() bool {
	return len(o.Enqueue) == 0 && len(o.Meta) == 0 && len(o.Ack) == 0 && len(o.Nack) == 0
}

// EnqueueOp is one Enqueue of Ops: mark Key seen and, when it was new, queue Entry.
type EnqueueOp struct {
	Key   string
	Entry Entry
}

// MetaOp is one PutMeta of Ops.
type MetaOp struct {
	URL  string
	Meta Meta
}

// AckOp is one Ack of Ops.
type AckOp struct {
	URL     string
	Outcome Outcome
}

// applyEach is Apply as a sequence of the Store's single calls (the engines that
// need no round-trip saving): it stops at the first error.
func applyEach(ctx context.Context, st Store, site string, ops Ops) ([]bool, error) {
	queued := make([]bool, len(ops.Enqueue))
	for i, op := range ops.Enqueue {
		ok, err := st.Enqueue(ctx, site, op.Key, op.Entry)
		if err != nil {
			return nil, fmt.Errorf("apply: enqueue %s: %w", op.Entry.URL, err)
		}
		queued[i] = ok
	}
	for _, op := range ops.Meta {
		if err := st.PutMeta(ctx, site, op.URL, op.Meta); err != nil {
			return nil, fmt.Errorf("apply: meta of %s: %w", op.URL, err)
		}
	}
	for _, op := range ops.Ack {
		if err := st.Ack(ctx, site, op.URL, op.Outcome); err != nil {
			return nil, fmt.Errorf("apply: ack %s: %w", op.URL, err)
		}
	}
	for _, u := range ops.Nack {
		if err := st.Nack(ctx, site, u); err != nil {
			return nil, fmt.Errorf("apply: nack %s: %w", u, err)
		}
	}
	return queued, nil
}

// getMetaEach is GetMetas as a sequence of GetMeta calls.
func getMetaEach(ctx context.Context, st Store, site string, urls []string) (map[string]Meta, error) {
	out := make(map[string]Meta, len(urls))
	for _, u := range urls {
		m, ok, err := st.GetMeta(ctx, site, u)
		if err != nil {
			return nil, err
		}
		if ok {
			out[u] = m
		}
	}
	return out, nil
}

// Reservation is one Reserve of Committer.ReserveMany.
type Reservation struct {
	Site, Key, Hash string
}

// reserveEach is ReserveMany as a sequence of Reserve calls.
func reserveEach(ctx context.Context, c Committer, worker string, rs []Reservation) ([]Change, error) {
	out := make([]Change, len(rs))
	for i, r := range rs {
		ch, err := c.Reserve(ctx, r.Site, worker, r.Key, r.Hash)
		if err != nil {
			return nil, fmt.Errorf("reserve %s: %w", r.Key, err)
		}
		out[i] = ch
	}
	return out, nil
}
