package crawler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/fleet"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/store"
)

// Write, then commit. A record whose verdict the state store reserved (Reserve) is
// handed to the job's committer, one goroutine that takes every record queued so
// far (a group commit), writes them to the sink, makes the sink durable
// (output.SyncAll: flushed and fsynced, with the position of each appendable output)
// and only then commits the batch in the state: the records' keys emitted, their
// frontier entries done, their metadata and the outputs' positions, in one
// transaction. A process killed before the commit leaves the entries leased and the
// outputs' extra bytes past the committed positions: the resumed run truncates the
// outputs back and fetches the pages again. A write, sync or commit that fails
// fails the whole batch: its reservations are dropped, its pages are filed failed
// (left leased, so a resumed run fetches them again) and the job stops with the
// error.

// maxCommitBatch bounds the records of one commit; a batch smaller than
// minCommitBatch waits up to commitDelay for company, so that a commit (an fsync of
// every output and a state transaction) is shared by several records. Workers do
// not wait for commits: the delay only holds the acknowledgement of their pages.
const (
	maxCommitBatch = 256
	minCommitBatch = 32
	commitDelay    = 3 * time.Millisecond
)

// pendingRecord is a record reserved in the state, waiting for its commit.
type pendingRecord struct {
	s      *siteRun
	e      Entry
	key    string
	a      *article.Article
	status int
	meta   *store.Meta
	// fail files the page under a category (the page handler's, see handle): for
	// a record the reservation finds duplicate or unchanged.
	fail func(cat, reason, stage string, err error)
}

// committer writes and commits the reserved records of a job.
type committer struct {
	j      *job
	st     store.Store
	worker string

	mu        sync.Mutex
	cond      *sync.Cond // signalled when queue grows, a batch ends, or stop
	queue     []*pendingRecord
	submitted int64 // records handed over
	processed int64 // records whose batch ended (committed or failed)
	stopping  bool
	flushing  int // flush calls waiting: no commit delay
	stopped   chan struct{}
}

// newCommitter starts the committer of a job. It first commits the outputs'
// positions as they are before the run writes anything, so that a run killed before
// its first commit is truncated back to them on resume (and never further).
func newCommitter(ctx context.Context, j *job, st store.Store, worker string) (*committer, error) {
	c := &committer{j: j, st: st, worker: worker, stopped: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	if j.opts.Sink != nil {
		pos, err := output.SyncAll(ctx, j.opts.Sink)
		if err != nil {
			return nil, fmt.Errorf("outputs: %w", err)
		}
		if len(pos) > 0 {
			if err := st.Commit(ctx, store.Batch{Worker: worker, Positions: pos}); err != nil {
				return nil, fmt.Errorf("state: commit output positions: %w", err)
			}
		}
	}
	go c.loop()
	return c, nil
}

// maxQueued bounds the records waiting for the committer: a slow output (a disk
// that takes long to fsync) slows the workers down instead of filling memory.
const maxQueued = 4 * maxCommitBatch

// submit hands p over; it is written and committed (or failed) by the loop. It
// waits while maxQueued records are waiting already.
func (c *committer) submit(p *pendingRecord) {
	c.mu.Lock()
	for len(c.queue) >= maxQueued && !c.stopping {
		c.cond.Wait()
	}
	c.queue = append(c.queue, p)
	c.submitted++
	c.cond.Broadcast()
	c.mu.Unlock()
}

// flush returns once every record submitted before the call is committed or failed.
func (c *committer) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	target := c.submitted
	c.flushing++
	for c.processed < target {
		c.cond.Wait()
	}
	c.flushing--
}

// stop flushes and ends the loop.
func (c *committer) stop() {
	c.mu.Lock()
	c.stopping = true
	c.cond.Broadcast()
	c.mu.Unlock()
	<-c.stopped
}

func (c *committer) loop() {
	defer close(c.stopped)
	for {
		c.mu.Lock()
		for len(c.queue) == 0 && !c.stopping {
			c.cond.Wait()
		}
		if len(c.queue) == 0 {
			c.mu.Unlock()
			return
		}
		if len(c.queue) < minCommitBatch && !c.stopping && c.flushing == 0 {
			c.mu.Unlock()
			time.Sleep(commitDelay)
			c.mu.Lock()
		}
		n := min(len(c.queue), maxCommitBatch)
		batch := c.queue[:n:n]
		c.queue = c.queue[n:]
		c.mu.Unlock()

		c.commit(batch)

		c.mu.Lock()
		c.processed += int64(len(batch))
		c.cond.Broadcast()
		c.mu.Unlock()
	}
}

// commit writes batch to the sink, syncs it and commits it in the state.
func (c *committer) commit(batch []*pendingRecord) {
	j := c.j
	ctx := context.Background()
	if batch = c.reserve(ctx, batch); len(batch) == 0 {
		return
	}
	b := store.Batch{Worker: c.worker}
	reason, err := c.writeAndSync(ctx, batch, &b)
	if err == nil {
		b.Emissions = make([]store.Emission, len(batch))
		for i, p := range batch {
			b.Emissions[i] = store.Emission{Site: p.s.site.Name, Key: p.key, Hash: p.a.ContentHash, URL: p.e.URL, Meta: p.meta}
		}
		err = flushFrontiers(ctx, batch)
		if err == nil {
			err = c.st.Commit(ctx, b)
		}
		var lost *store.LostReservationsError
		if errors.As(err, &lost) {
			// Another worker took these pages after this one's leases expired (it
			// stalled longer than the lease ttl) and committed them first: the rest of
			// the batch is committed; these records are in this worker's outputs a
			// second time, with the same record_id.
			dup := map[int]bool{}
			for _, i := range lost.Index {
				dup[i] = true
			}
			kept := batch[:0:0]
			for i, p := range batch {
				if !dup[i] {
					kept = append(kept, p)
					continue
				}
				j.acct.record(p.s.site.Name, p.e.URL, outcome{Category: CatDuplicate, Reason: "written twice: reservation lost to another worker", Stage: "output", Status: p.status})
				p.s.log.Warn("record written twice: its reservation expired and another worker committed it first", "url", p.e.URL, "record_id", p.a.RecordID)
			}
			batch, err = kept, nil
		}
		if err != nil {
			reason, err = "state store error", fmt.Errorf("commit %d records: %w", len(batch), err)
		}
	}
	if err != nil {
		for _, p := range batch {
			if uerr := c.st.Unreserve(ctx, p.s.site.Name, c.worker, p.key); uerr != nil {
				p.s.log.Warn("state unreserve", "url", p.e.URL, "err", uerr)
			}
			j.acct.record(p.s.site.Name, p.e.URL, outcome{Category: CatFailed, Reason: reason, Stage: "output", Status: p.status, Err: err})
			p.s.log.Warn("not emitted", "url", p.e.URL, "category", CatFailed, "reason", reason, "err", err)
		}
		j.failSink(err)
		return
	}
	for _, p := range batch {
		j.wrote(p.s.site.Name, 1)
		p.s.log.Debug("article", "url", p.e.URL, "title", p.a.Title, "change", p.a.Change)
	}
}

// reserve takes the verdicts of the batch's records from the state in one call
// (ReserveMany) and returns the records to write: new or changed (a.Change set on
// incremental runs), and unchanged ones in a full run. The others are filed
// (duplicate, unchanged) and their entries acknowledged with their metadata. When
// the state fails, the batch fails as a failed commit does (see commit).
func (c *committer) reserve(ctx context.Context, batch []*pendingRecord) []*pendingRecord {
	j := c.j
	rs := make([]store.Reservation, len(batch))
	for i, p := range batch {
		rs[i] = store.Reservation{Site: p.s.site.Name, Key: p.key, Hash: p.a.ContentHash}
	}
	changes, err := c.st.ReserveMany(ctx, c.worker, rs)
	if err == nil && len(changes) != len(batch) {
		err = fmt.Errorf("%d verdicts for %d records", len(changes), len(batch))
	}
	if err != nil {
		err = fmt.Errorf("reserve %d records: %w", len(batch), err)
		for _, p := range batch {
			j.acct.record(p.s.site.Name, p.e.URL, outcome{Category: CatFailed, Reason: "state store error", Stage: "emit", Status: p.status, Err: err})
			p.s.log.Warn("not emitted", "url", p.e.URL, "category", CatFailed, "reason", "state store error", "err", err)
		}
		j.failSink(err)
		return nil
	}
	write := batch[:0:0]
	acks := map[*siteRun][]store.AckOp{}
	var sites []*siteRun
	for i, p := range batch {
		ch := changes[i]
		if ch == store.ChangeDuplicate || (ch == store.ChangeUnchanged && !j.opts.Full) {
			if ch == store.ChangeDuplicate {
				p.fail(CatDuplicate, changeReason(ch), "emit", nil)
			} else {
				j.unchanged.Add(1)
				p.fail(CatUnchanged, changeReason(ch), "emit", nil)
			}
			if p.s.sf == nil {
				continue
			}
			if p.meta != nil {
				m := *p.meta
				if ch == store.ChangeDuplicate {
					m.ContentHash = "" // not an emitted article
				}
				p.s.sf.putMeta(p.e.URL, m)
			}
			if _, ok := acks[p.s]; !ok {
				sites = append(sites, p.s)
			}
			acks[p.s] = append(acks[p.s], store.AckOp{URL: p.e.URL, Outcome: store.Done})
			continue
		}
		if p.s.incremental() {
			p.a.Change = string(ch)
			switch ch {
			case store.ChangeChanged:
				j.changed.Add(1)
			case store.ChangeNew:
				j.news.Add(1)
			default:
				j.unchanged.Add(1)
			}
		}
		write = append(write, p)
	}
	for _, s := range sites {
		if err := s.sf.flush(ctx, acks[s], nil); err != nil {
			s.log.Error("frontier done", "entries", len(acks[s]), "err", err)
		}
	}
	return write
}

// flushFrontiers stores the links the batch's pages pushed, still waiting in
// their frontiers (storeFrontier.flush), before the commit ends the pages' leases.
func flushFrontiers(ctx context.Context, batch []*pendingRecord) error {
	var done []*siteRun
	for _, p := range batch {
		if p.s.sf == nil || slices.Contains(done, p.s) {
			continue
		}
		done = append(done, p.s)
		if err := p.s.sf.flush(ctx, nil, nil); err != nil {
			return fmt.Errorf("store links of site %s: %w", p.s.site.Name, err)
		}
	}
	return nil
}

// writeAndSync writes the batch's records and makes them durable; b gets the
// outputs' positions and the stream records the commit appends. After a failure
// the sink is not written again.
func (c *committer) writeAndSync(ctx context.Context, batch []*pendingRecord, b *store.Batch) (string, error) {
	j := c.j
	j.sinkMu.Lock()
	defer j.sinkMu.Unlock()
	if j.sinkErr != nil {
		return "sink error", j.sinkErr
	}
	if j.opts.Sink == nil {
		return "", nil
	}
	for _, p := range batch {
		if err := j.opts.Sink.Write(ctx, p.a); err != nil {
			return "sink error", fmt.Errorf("write record %s: %w", p.a.URL, err)
		}
	}
	// Records bound for a Redis Stream on the state's own server are appended by the
	// commit itself (exactly once); taken before SyncAll, which would append them.
	b.Stream = fleet.TakeStream(c.st, j.opts.Sink)
	pos, err := output.SyncAll(ctx, j.opts.Sink)
	if err != nil {
		return "sink error", fmt.Errorf("sync outputs: %w", err)
	}
	b.Positions = pos
	return "", nil
}

// failSink records the first sink (or commit) error of the job and stops it.
func (j *job) failSink(err error) {
	j.sinkMu.Lock()
	defer j.sinkMu.Unlock()
	if j.sinkErr == nil {
		j.sinkErr = err
		j.log.Error("output failed: stopping the crawl; the pages not committed are fetched again by the next run", "err", err)
		j.cancel(err)
	}
}
