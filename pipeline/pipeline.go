// Package pipeline runs ordered, configurable cleaning stages over raw articles.
//
// Each stage lives in its own file (stage_<name>.go), registers itself by name in
// init, starts from its defaults and decodes its YAML options strictly. The Runner
// applies the stages in order, counts what each did (records changed, records
// dropped with a reason class, errors, time) and finalizes the record so the
// derived fields (text, word_count, content_hash) reflect the cleaned sections.
//
// Every built-in stage is idempotent: running a cleaned record through a fresh
// Runner again yields the same record.
package pipeline

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

// Verdict is a stage's decision on one article. Keep=false drops it; Reason says why
// (e.g. "too_short", "duplicate_of https://…"). The first word of Reason is its
// class: the runner counts drops per "stage: class" so the counters stay few.
type Verdict struct {
	Keep   bool
	Reason string
}

// keep is the verdict of a stage that keeps the article.
var keep = Verdict{Keep: true}

// drop returns a verdict that drops the article with reason.
func drop(reason string) Verdict { return Verdict{Reason: reason} }

// Stage is one cleaning step. Apply edits a in place; Verdict{Keep: false, Reason: "too_short"}
// drops it. A non-nil error means the stage failed on this article only: the runner counts
// it and passes a on to the next stage. A stage that returns an error must not have
// modified a. Stages must be safe for concurrent use.
type Stage interface {
	Name() string
	Apply(ctx context.Context, a *article.Article) (Verdict, error)
}

// Runner applies the configured stages in order. It is safe for concurrent use.
type Runner struct {
	stages []Stage

	mu    sync.Mutex
	stats Stats
}

// Stats counts what the runner did, per stage.
type Stats struct {
	In, Kept int
	Dropped  map[string]int           // "stage: reason class" → count, e.g. "dedupe: duplicate_of"
	Changed  map[string]int           // stage → records changed
	Errors   map[string]int           // stage → errors
	Time     map[string]time.Duration // stage → total time spent in Apply
}

func newStats() Stats {
	return Stats{
		Dropped: map[string]int{},
		Changed: map[string]int{},
		Errors:  map[string]int{},
		Time:    map[string]time.Duration{},
	}
}

// NewRunner returns a Runner over the given stages, in order.
func NewRunner(stages ...Stage) *Runner {
	return &Runner{stages: stages, stats: newStats()}
}

// StageNames returns the names of the runner's stages in order.
func (r *Runner) StageNames() []string {
	names := make([]string, len(r.stages))
	for i, s := range r.stages {
		names[i] = s.Name()
	}
	return names
}

// Process runs every stage on a and finalizes it. keep=false means a was dropped with
// reason "stage: reason" (e.g. "dedupe: duplicate_of https://…"). A stage error is
// counted and a continues through the remaining stages.
func (r *Runner) Process(ctx context.Context, a *article.Article) (keep bool, reason string) {
	local := stageCounts{}
	keep = true
	pair := snapshots.Get().(*[2]snapshot)
	defer snapshots.Put(pair)
	before, after := &pair[0], &pair[1]
	before.take(a, nil)
	// current: the derived fields match the sections (Finalize would change nothing)
	current := derivedCurrent(a)
	for _, s := range r.stages {
		name := s.Name()
		if _, ok := s.(needsFinal); ok && !current {
			a.Finalize()
			current = true
		}
		// Between stages, a goroutine waiting for a CPU (a crawl's request whose
		// response arrived) runs: see extractors' yield.
		runtime.Gosched()
		start := time.Now()
		v, err := safeApply(ctx, s, a)
		local.add(name, time.Since(start))
		if _, ro := s.(readOnly); ro {
			// a stage that never edits records needs no change check
		} else if after.take(a, before); !after.equal(before) {
			local.changed = append(local.changed, name)
			if !after.sectionsEqual(before) {
				current = false
			}
		}
		if _, ro := s.(readOnly); !ro {
			before, after = after, before
		}
		if err != nil {
			local.errors = append(local.errors, name)
			continue
		}
		if !v.Keep {
			keep = false
			reason = name + ": " + v.Reason
			local.dropped = name + ": " + reasonClass(v.Reason)
			break
		}
	}
	if !current {
		a.Finalize()
	} else {
		a.SetRecordID() // the caller may have set the URL after the extractor finalised
	}
	r.record(local, keep)
	return keep, reason
}

// readOnly is implemented by stages that never modify a record (they only keep or
// drop it); the runner skips their change check.
type readOnly interface{ readOnly() }

// needsFinal is implemented by stages that read the derived fields (Text, WordCount,
// ContentHash): the Runner finalizes the record before them, only when a stage changed
// it since the last Finalize.
type needsFinal interface{ readsText() }

// stageCounts collects one Process call's counters so the lock is taken once.
type stageCounts struct {
	names   []string
	times   []time.Duration
	changed []string
	errors  []string
	dropped string
}

func (c *stageCounts) add(name string, d time.Duration) {
	c.names = append(c.names, name)
	c.times = append(c.times, d)
}

func (r *Runner) record(c stageCounts, kept bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.In++
	if kept {
		r.stats.Kept++
	} else {
		r.stats.Dropped[c.dropped]++
	}
	for i, n := range c.names {
		r.stats.Time[n] += c.times[i]
	}
	for _, n := range c.changed {
		r.stats.Changed[n]++
	}
	for _, n := range c.errors {
		r.stats.Errors[n]++
	}
}

// Stats returns a snapshot of the counters.
func (r *Runner) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Stats{
		In:      r.stats.In,
		Kept:    r.stats.Kept,
		Dropped: maps.Clone(r.stats.Dropped),
		Changed: maps.Clone(r.stats.Changed),
		Errors:  maps.Clone(r.stats.Errors),
		Time:    maps.Clone(r.stats.Time),
	}
}

// safeApply runs one stage, turning a panic into an error so one bad page never
// stops a crawl.
func safeApply(ctx context.Context, s Stage, a *article.Article) (v Verdict, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = keep, fmt.Errorf("stage %s on %s: panic: %v", s.Name(), a.URL, p)
		}
	}()
	v, err = s.Apply(ctx, a)
	if err != nil {
		return keep, fmt.Errorf("stage %s on %s: %w", s.Name(), a.URL, err)
	}
	return v, nil
}

// reasonClass is the first word of a drop reason ("duplicate_of https://x" → "duplicate_of").
func reasonClass(reason string) string {
	reason = strings.TrimSpace(reason)
	if i := strings.IndexAny(reason, " \t("); i > 0 {
		return reason[:i]
	}
	if reason == "" {
		return "dropped"
	}
	return reason
}

// snapshot records every field a stage may edit (not the derived text, word_count,
// content_hash) so the runner can tell which stages changed a record. Strings are
// immutable, so keeping their headers is enough: comparing an unchanged string is a
// pointer check, and no text is copied or hashed.
type snapshot struct {
	strs []string
	nums []int
	// the sections part (Text derives from it alone): strs[s0:s1], nums[n0:n1]
	s0, s1, n0, n1 int
}

// take records a's fields. like, when set, is a snapshot of (about) the same
// record: the slices are sized to it at once rather than grown by doubling (on a
// 20 MB record that growth, repeated for every stage as the pool drops its
// snapshots at each GC, cost as much as the stages' own work — issue 17).
func (sn *snapshot) take(a *article.Article, like *snapshot) {
	sn.strs = sn.strs[:0]
	sn.nums = sn.nums[:0]
	if like != nil {
		sn.strs = slices.Grow(sn.strs, len(like.strs)+8)
		sn.nums = slices.Grow(sn.nums, len(like.nums)+8)
	}
	str := func(s string) { sn.strs = append(sn.strs, s) }
	num := func(n int) { sn.nums = append(sn.nums, n) }
	flag := func(b bool) {
		if b {
			num(1)
		} else {
			num(0)
		}
	}
	str(a.Title)
	str(a.Description)
	str(a.Language)
	str(a.PageType)
	str(a.SiteName)
	str(a.ReviewedBy)
	num(len(a.Authors))
	for _, s := range a.Authors {
		str(s)
	}
	num(len(a.Tags))
	for _, s := range a.Tags {
		str(s)
	}
	sn.s0, sn.n0 = len(sn.strs), len(sn.nums)
	num(len(a.Sections))
	for _, s := range a.Sections {
		str(s.Heading)
		num(s.Level)
		num(len(s.Blocks))
		for _, b := range s.Blocks {
			str(b.Type)
			str(b.Role)
			str(b.Text)
			flag(b.Ordered)
			flag(b.Truncated)
			num(len(b.Items))
			for _, it := range b.Items {
				str(it.Label)
				str(it.Text)
				num(it.Depth)
			}
			num(len(b.Rows))
			for _, row := range b.Rows {
				num(len(row))
				for _, c := range row {
					str(c)
				}
			}
		}
	}
	sn.s1, sn.n1 = len(sn.strs), len(sn.nums)
	num(len(a.Related))
	for _, rel := range a.Related {
		str(rel.Title)
		str(rel.URL)
		str(rel.Snippet)
		flag(rel.Truncated)
	}
	num(len(a.References))
	for _, ref := range a.References {
		str(ref.Text)
		str(ref.URL)
	}
}

func (sn *snapshot) equal(o *snapshot) bool {
	return slices.Equal(sn.nums, o.nums) && slices.Equal(sn.strs, o.strs)
}

// sectionsEqual reports whether the sections (all Text derives from) are the same.
func (sn *snapshot) sectionsEqual(o *snapshot) bool {
	return slices.Equal(sn.nums[sn.n0:sn.n1], o.nums[o.n0:o.n1]) && slices.Equal(sn.strs[sn.s0:sn.s1], o.strs[o.s0:o.s1])
}

// derivedCurrent reports whether a's derived fields already match its sections (the
// extractor finalizes what it returns), so Finalize — its word count and sha256 are
// most of the pipeline's cost — can be skipped. The text is rebuilt exactly as
// article.Finalize builds it and compared; any difference means "finalize".
func derivedCurrent(a *article.Article) bool {
	if a.SchemaVersion == 0 || (a.Text == "") != (a.ContentHash == "") || (a.Text != "" && len(a.ContentHash) != 64) {
		return false
	}
	m := textMatcher{text: a.Text}
	for _, s := range a.Sections {
		if s.HeadingInText() {
			m.part(strings.TrimSpace(s.Heading))
		}
		for _, b := range s.Blocks {
			if !b.InText() {
				continue
			}
			if b.Type == article.BlockList && listTrimmed(b.Items) {
				m.list(b.Items)
				continue
			}
			m.part(strings.TrimSpace(b.BlockText()))
		}
		if m.bad {
			return false
		}
	}
	return !m.bad && m.pos == len(a.Text)
}

// textMatcher consumes a Text in the order article.Finalize writes it.
type textMatcher struct {
	text  string
	pos   int
	parts int
	bad   bool
}

func (m *textMatcher) expect(s string) {
	if m.bad || !strings.HasPrefix(m.text[m.pos:], s) {
		m.bad = true
		return
	}
	m.pos += len(s)
}

// part consumes one non-empty part, after the "\n\n" separating it from the last.
func (m *textMatcher) part(p string) {
	if p == "" {
		return
	}
	if m.parts > 0 {
		m.expect("\n\n")
	}
	m.parts++
	m.expect(p)
}

// list consumes a list block part item by item, as Block.BlockText joins them.
func (m *textMatcher) list(items []article.ListItem) {
	if m.parts > 0 {
		m.expect("\n\n")
	}
	m.parts++
	for i, it := range items {
		if i > 0 {
			m.expect("\n")
		}
		m.expect(it.Label)
		if it.Label != "" && it.Text != "" {
			m.expect(": ")
		}
		m.expect(it.Text)
	}
}

// listTrimmed reports a list whose BlockText needs no trimming and is not empty, so
// it can be matched item by item without building it.
func listTrimmed(items []article.ListItem) bool {
	if len(items) == 0 {
		return false
	}
	first, last := items[0].ItemText(), items[len(items)-1].ItemText()
	return first != "" && last != "" && strings.TrimLeftFunc(first, unicode.IsSpace) == first &&
		strings.TrimRightFunc(last, unicode.IsSpace) == last
}

// snapshots pools the two snapshots each Process call alternates between.
var snapshots = sync.Pool{New: func() any { return new([2]snapshot) }}

// Build creates a Runner from the pipeline config with the default registry; sites
// supply per-site options (e.g. extra boilerplate phrases, matched on Article.Site).
// An empty stage list means config.DefaultStages. Every problem is reported, each
// with its key path ("pipeline.stages[3].options.min_words: must be ≥ 0").
func Build(cfg config.Pipeline, sites []config.Site) (*Runner, error) {
	return DefaultRegistry.Build(cfg, sites)
}

// ValidateConfig checks a pipeline config against the default registry and returns
// every problem, each with its key path. It is what `crawl validate` reports.
func ValidateConfig(cfg config.Pipeline) []error {
	_, errs := DefaultRegistry.build(cfg, nil)
	return errs
}

// Stages lists the stages of the default registry with their options, sorted in the
// default pipeline order (then by name).
func Stages() []StageInfo { return DefaultRegistry.Stages() }
