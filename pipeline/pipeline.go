// Package pipeline runs ordered, configurable cleaning stages over raw articles.
package pipeline

import (
	"context"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

// Verdict is a stage's decision on one article. Keep=false drops it; Reason says why
// (e.g. "too_short", "duplicate_of https://…").
type Verdict struct {
	Keep   bool
	Reason string
}

// Stage is one cleaning step. Apply edits a in place; Verdict{Keep: false, Reason: "too_short"}
// drops it. A non-nil error means the stage failed on this article only: the runner counts
// it and passes a on unchanged.
type Stage interface {
	Name() string
	Apply(ctx context.Context, a *article.Article) (Verdict, error)
}

// Runner applies the configured stages in order. STUB: replaced by the real runner.
type Runner struct{}

// Stats counts what the runner did, per stage.
type Stats struct {
	In, Kept int
	Dropped  map[string]int // "stage: reason" → count
	Changed  map[string]int // stage → records changed
	Errors   map[string]int // stage → errors
}

// Process runs every stage on a and finalizes it. keep=false means a was dropped with reason.
func (r *Runner) Process(ctx context.Context, a *article.Article) (keep bool, reason string) {
	a.Finalize()
	return true, ""
}

// Stats returns a snapshot of the counters.
func (r *Runner) Stats() Stats { return Stats{} }

// Build creates a Runner from the pipeline config; sites supply per-site options
// (e.g. extra boilerplate phrases, matched on Article.Site). STUB.
func Build(cfg config.Pipeline, sites []config.Site) (*Runner, error) { return &Runner{}, nil }
