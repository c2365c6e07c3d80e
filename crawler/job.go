// Package crawler fetches site targets with colly and runs each page through the
// extractor, the pipeline and the sink.
package crawler

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/pipeline"
)

// JobOptions configure one crawl run over some or all site targets.
type JobOptions struct {
	Config   config.Config
	Sites    []string // names of site targets to run; empty = all
	Sink     output.Sink
	Logger   *slog.Logger
	Progress io.Writer // live progress line target (a terminal); nil = none
}

// Summary is what a run did.
type Summary struct {
	Fetched    int
	Articles   int
	Errors     int
	Categories map[string]int // accounting category → URLs
	Pipeline   pipeline.Stats
	Elapsed    time.Duration
}

// RunJob crawls the selected sites until done or ctx is cancelled, writing each kept
// article to the sink as soon as it is cleaned. STUB.
func RunJob(ctx context.Context, opts JobOptions) (Summary, error) { return Summary{}, nil }

// Print writes the human-readable summary.
func (s Summary) Print(w io.Writer) {}
