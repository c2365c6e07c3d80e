package main

// The run's summary as data: the --stats JSON file (crawl run, crawl demo, and
// crawl schedule's schedule.stats_path) and, with --log-format json, the final
// "summary" log record.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/output"
)

// runStats is the summary of one run as JSON: every counter and reason of the
// summary table (reasons whole, none grouped), per site, durations in seconds,
// when the run started and ended and its exit status.
type runStats struct {
	Command    string    `json:"command"`          // run, demo or schedule
	Config     string    `json:"config,omitempty"` // the config's name
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	ExitStatus int       `json:"exit_status"` // as the process exits (schedule: as crawl run would for this run)
	// Status is ok, partial (some pages failed), failed (the run, an output or a
	// site failed) or stopped (a stop was asked: a signal, or the command's end).
	Status string `json:"status"`
	Signal string `json:"signal,omitempty"` // the signal that stopped the run
	Error  string `json:"error,omitempty"`

	ElapsedSeconds  float64                  `json:"elapsed_seconds"`
	PagesPerSecond  float64                  `json:"pages_per_second"`
	PagesFetched    int                      `json:"pages_fetched"`
	Requests        int                      `json:"requests"`
	RobotsRequests  int                      `json:"robots_requests"`
	ArticlesWritten int                      `json:"articles_written"`
	PagesRendered   int                      `json:"pages_rendered"`
	Errors          int                      `json:"errors"`
	StillQueued     int                      `json:"still_queued"`
	New             int                      `json:"new"`
	Changed         int                      `json:"changed"`
	Unchanged       int                      `json:"unchanged"`
	Gone            int                      `json:"gone"`
	Resumed         bool                     `json:"resumed"`
	Categories      map[string]statsCategory `json:"categories"`
	Failures        []string                 `json:"failures"`
	NothingNew      string                   `json:"nothing_new,omitempty"`
	PreviousRun     int64                    `json:"previous_run,omitempty"`
	PreviousRunAt   *time.Time               `json:"previous_run_at,omitempty"`
	Pipeline        statsPipeline            `json:"pipeline"`
	Sites           []statsSite              `json:"sites"`
}

// statsCategory is one accounting category: its label in the summary table, its
// count and its reasons.
type statsCategory struct {
	Label   string         `json:"label"`
	Count   int            `json:"count"`
	Reasons map[string]int `json:"reasons"`
}

// statsSite is what the run did on one site target.
type statsSite struct {
	Name            string                   `json:"name"`
	PagesFetched    int                      `json:"pages_fetched"`
	ArticlesWritten int                      `json:"articles_written"`
	Errors          int                      `json:"errors"`
	StillQueued     int                      `json:"still_queued"`
	Categories      map[string]statsCategory `json:"categories"`
}

// statsPipeline is what the cleaning pipeline did; seconds per stage.
type statsPipeline struct {
	In      int                `json:"in"`
	Kept    int                `json:"kept"`
	Dropped map[string]int     `json:"dropped"`
	Changed map[string]int     `json:"changed"`
	Errors  map[string]int     `json:"errors"`
	Seconds map[string]float64 `json:"seconds"`
}

// runInfo is what the command knows of a run besides the crawler's Summary.
type runInfo struct {
	command, config string
	start, end      time.Time
	exitStatus      int
	signal          string
	err             error
}

// newRunStats builds the stats of a run.
func newRunStats(s crawler.Summary, ri runInfo) runStats {
	st := runStats{
		Command: ri.command, Config: ri.config, Start: ri.start.UTC(), End: ri.end.UTC(),
		ExitStatus: ri.exitStatus, Signal: ri.signal,
		ElapsedSeconds: s.Elapsed.Seconds(), PagesFetched: s.Fetched, Requests: s.Requests,
		RobotsRequests: s.RobotsRequests, ArticlesWritten: s.Articles, PagesRendered: s.Rendered,
		Errors: s.Errors, StillQueued: s.Pending, New: s.New, Changed: s.Changed, Unchanged: s.Unchanged,
		Gone: s.Gone, Resumed: s.Resumed, Categories: statsCategories(s.Categories, s.Reasons),
		Failures: append([]string{}, s.Failures...), NothingNew: s.NothingNew(), PreviousRun: s.PrevRun,
		Pipeline: statsPipeline{In: s.Pipeline.In, Kept: s.Pipeline.Kept, Dropped: orEmpty(s.Pipeline.Dropped),
			Changed: orEmpty(s.Pipeline.Changed), Errors: orEmpty(s.Pipeline.Errors), Seconds: map[string]float64{}},
		Sites: []statsSite{},
	}
	if s.Elapsed > 0 {
		st.PagesPerSecond = float64(s.Fetched) / s.Elapsed.Seconds()
	}
	if !s.PrevRunAt.IsZero() {
		t := s.PrevRunAt.UTC()
		st.PreviousRunAt = &t
	}
	for stage, d := range s.Pipeline.Time {
		st.Pipeline.Seconds[stage] = d.Seconds()
	}
	if ri.err != nil {
		st.Error = ri.err.Error()
	}
	switch {
	case ri.signal != "" || ri.exitStatus == exitSIGINT || ri.exitStatus == exitSIGTERM:
		st.Status = "stopped"
	case ri.err == nil:
		st.Status = "ok"
	case errors.Is(ri.err, errPartial):
		st.Status = "partial"
	default:
		st.Status = "failed"
	}
	for _, site := range s.Sites {
		st.Sites = append(st.Sites, statsSite{Name: site.Name, PagesFetched: site.Fetched, ArticlesWritten: site.Articles,
			Errors: site.Errors, StillQueued: site.Pending, Categories: statsCategories(site.Categories, site.Reasons)})
	}
	return st
}

// statsCategories are the non-empty categories with their labels and reasons.
func statsCategories(cats map[string]int, reasons map[string]map[string]int) map[string]statsCategory {
	out := map[string]statsCategory{}
	for cat, n := range cats {
		if n == 0 {
			continue
		}
		out[cat] = statsCategory{Label: crawler.CategoryLabel(cat), Count: n, Reasons: orEmpty(reasons[cat])}
	}
	return out
}

func orEmpty(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

// writeStats writes the stats to path atomically (a temporary file renamed onto
// it), creating its directory: a reader never sees half a file.
func writeStats(path string, st runStats) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("stats file %s: %w", path, err)
	}
	f, err := output.CreateAtomic(path)
	if err != nil {
		return fmt.Errorf("stats file %s: %w", path, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Abort()
		return fmt.Errorf("stats file %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("stats file %s: %w", path, err)
	}
	return nil
}

// logSummary logs the stats as one "summary" record, each top-level field an
// attribute in the order of the stats file (--log-format json).
func logSummary(log *slog.Logger, st runStats) {
	b, err := json.Marshal(st)
	if err != nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var attrs []slog.Attr
	if _, err := dec.Token(); err != nil { // {
		return
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return
		}
		attrs = append(attrs, slog.Any(fmt.Sprint(tok), v))
	}
	log.LogAttrs(context.Background(), slog.LevelInfo, "summary", attrs...)
}

// finishRun reports a finished (or stopped) crawl: the summary table on w, or a
// "summary" log record with --log-format json; and the stats file when asked.
// It returns err, or the stats file's error when the run itself succeeded.
func (a *app) finishRun(ctx context.Context, w io.Writer, sum crawler.Summary, ri runInfo, statsPath string, err error) error {
	ri.end = time.Now()
	ri.exitStatus, ri.signal = exitStatusOf(ctx, err)
	if ri.signal != "" && errors.Is(err, context.Canceled) {
		err = failure(fmt.Errorf("stopped by %s: %s still queued", ri.signal, countNoun(sum.Pending, "URL", "URLs")))
	}
	ri.err = err
	st := newRunStats(sum, ri)
	if strings.EqualFold(a.logFormat, "json") {
		logSummary(a.logger, st)
	} else {
		printSummary(w, sum)
	}
	if statsPath == "" {
		return err
	}
	if serr := writeStats(statsPath, st); serr != nil {
		a.logger.Error("stats file not written", "path", statsPath, "err", serr)
		if err == nil {
			return failure(serr)
		}
	}
	return err
}

// exitStatusOf is the exit status err gives (the stop signal's when one came) and
// the signal's name.
func exitStatusOf(ctx context.Context, err error) (int, string) {
	stop := stopperFrom(ctx)
	if code := stop.exitStatus(); code != 0 {
		return code, signalName(stop.signal())
	}
	var ee *exitError
	if err != nil && !errors.As(err, &ee) {
		return exitPartial, "" // a plain error of a command is a failure (wrapRunE)
	}
	return exitCode(err), ""
}
