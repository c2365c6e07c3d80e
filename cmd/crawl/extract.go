package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"github.com/dustin/go-humanize/english"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/extractors"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/pipeline"
	"github.com/spf13/cobra"
)

// Input problems, reported on stderr as "INPUT: problem".
var (
	errEmptyInput  = errors.New("empty input")
	errBinaryInput = errors.New("binary input, not an HTML page")
	errNoPages     = errors.New("directory has no .html or .html.gz files")
	errTooLarge    = errors.New("larger than crawl.max_body_bytes")
	errNoFile      = &inputError{msg: "no such file", kind: os.ErrNotExist}
)

// inputError shows msg and matches kind with errors.Is.
type inputError struct {
	msg  string
	kind error
}

func (e *inputError) Error() string { return e.msg }
func (e *inputError) Unwrap() error { return e.kind }

type inputKind int

const (
	kindFile inputKind = iota
	kindURL
	kindStdin
)

// input is one page to extract: an argument, or a file found in a directory argument.
type input struct {
	source string // the record's source: the argument as given, or dir joined with the file name
	kind   inputKind
	err    error // set when the argument could not be expanded
}

// extractJob is what every input shares.
type extractJob struct {
	cfg       config.Config
	site      string // site target name, "" = none
	pageURL   string // --url
	drop      bool   // --drop: apply the pipeline's drop verdicts
	ext       *extractors.Extractor
	fetcher   *crawler.PageFetcher // URL inputs: the crawl's single-page path
	stdinData []byte
	stdinErr  error
}

func newExtractCmd(a *app) *cobra.Command {
	var (
		path, site, pageURL string
		drop                bool
		of                  outputFlags
	)
	cmd := &cobra.Command{
		Use:     "extract [--url URL] [--config FILE --site NAME] [--out PATH] [--format jsonl] INPUT...",
		GroupID: groupCrawl,
		Short:   "Extract records from saved pages, directories, URLs or stdin",
		Long: `extract turns each INPUT into one record, in input order, without crawling:

  page.html, page.html.gz   a saved page
  DIR                       every .html/.html.gz file in DIR, sorted by name
  http(s)://…               a page fetched and extracted exactly as crawl run does it
                            (headers, robots.txt, retries, redirects, size, type and
                            binary checks, charset, rendering as the site's render
                            mode says, url in canonical form)
  -                         a page read from standard input

The record's source field holds the input as given (for a file found in a directory,
the directory argument joined with the file name). --url gives the page's address for
a single saved file or stdin (for resolving links, and as the record's url).
--config and --site apply that site target's selectors and pipeline options.

Records go to --out (default: standard output). Every page gives a record: one the
pipeline would drop in a crawl (too short, no title, a duplicate of an earlier input,
a language the filter leaves out…) is still written, and named on stderr with the
reason ("INPUT: kept, the pipeline would drop it: reason"); --drop leaves such records
out as crawl run does ("INPUT: dropped: reason"). A URL input crawl run would not
emit (not an article, meta robots noindex, a rel=canonical alias) is kept too, and
named ("INPUT: kept, crawl run would not emit it: category: reason"); --drop leaves
it out. A missing, empty or binary input,
or one that cannot be fetched or parsed, gives a line on stderr naming it; the other
inputs are still written, and the exit status is 1.`,
		Example: `  crawl extract saved/massage-therapy.html
  crawl extract --url https://example.org/a/ saved/a.html.gz
  crawl extract saved/ > records.jsonl
  curl -s https://example.org/a/ | crawl extract --url https://example.org/a/ -
  crawl extract --config my.yaml --site blog --format markdown saved/*.html`,
		Args: requireArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if site != "" && path == "" {
				return usageError("--site needs --config")
			}
			cfg, err := a.loadConfig(path)
			if err != nil {
				return err
			}
			cfg.Output.Path = "-"
			if err := of.apply(cmd, &cfg); err != nil {
				return err
			}
			job := &extractJob{cfg: cfg, site: site, pageURL: pageURL, drop: drop}
			var target config.Site
			if site != "" {
				s, ok := cfg.Site(site)
				if !ok {
					return checkSites(cfg, []string{site})
				}
				target = s
			}
			sel := target.Selectors
			if err := job.checkArgs(args); err != nil {
				return err
			}
			if job.ext, err = extractors.New(extractors.Options{Selectors: sel}); err != nil {
				return usageError("site %s: %w", site, err)
			}
			runner, err := pipeline.Build(cfg.Pipeline, cfg.Sites)
			if err != nil {
				return usageError("pipeline: %w", err)
			}
			// URL inputs are fetched and extracted exactly as crawl run does (same
			// headers, robots.txt, retries, redirect policy, checks, decoding, fields).
			job.fetcher = crawler.NewPageFetcher(ctx, cfg, target, a.logger)
			defer job.fetcher.Close()
			if containsStdin(args) {
				job.stdinData, job.stdinErr = readLimited(a.in, cfg.Crawl.MaxBodyBytes)
			}
			sink, err := a.openSink(ctx, cfg, false)
			if err != nil {
				return err
			}
			failed, runErr := job.run(ctx, expandInputs(args), runner, sink, a)
			closeErr := sink.Close(context.WithoutCancel(ctx))
			switch {
			case runErr != nil:
				return failure(runErr)
			case closeErr != nil:
				return failure(closeErr)
			case failed > 0:
				return errPartial
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "config file (YAML); default: built-in defaults")
	cmd.Flags().StringVar(&site, "site", "", "site target of --config whose selectors apply")
	cmd.Flags().StringVar(&pageURL, "url", "", "address of the page, for a single saved file or -")
	cmd.Flags().BoolVar(&drop, "drop", false, "leave out records the pipeline drops (too short, duplicate, filtered), as crawl run does")
	of.register(cmd, "-", "output file, - = standard output")
	return cmd
}

func containsStdin(args []string) bool {
	for _, a := range args {
		if a == "-" {
			return true
		}
	}
	return false
}

// checkArgs enforces the argument rules that are usage errors.
func (j *extractJob) checkArgs(args []string) error {
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usageError("- (standard input) given %d times", stdin)
	}
	if j.pageURL != "" {
		if len(args) != 1 || isURL(args[0]) {
			return usageError("--url applies to a single saved file or -, got %s", english.Plural(len(args), "input", ""))
		}
		if fi, err := os.Stat(args[0]); err == nil && fi.IsDir() {
			return usageError("--url applies to a single saved file, %s is a directory", args[0])
		}
		if !isURL(j.pageURL) {
			return usageError("--url %q: must be an absolute http(s) URL", j.pageURL)
		}
	}
	return nil
}

func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// isPageFile reports whether a directory entry is a saved page.
func isPageFile(name string) bool {
	l := strings.ToLower(name)
	for _, ext := range []string{".html", ".htm", ".html.gz", ".htm.gz"} {
		if strings.HasSuffix(l, ext) {
			return true
		}
	}
	return false
}

// expandInputs turns arguments into inputs, directories into their page files
// sorted by name. Problems are kept on the input, reported in order later.
func expandInputs(args []string) []input {
	var out []input
	for _, arg := range args {
		switch {
		case arg == "-":
			out = append(out, input{source: arg, kind: kindStdin})
		case isURL(arg):
			out = append(out, input{source: arg, kind: kindURL})
		default:
			fi, err := os.Stat(arg)
			if err != nil || !fi.IsDir() {
				out = append(out, input{source: arg, kind: kindFile})
				continue
			}
			entries, err := os.ReadDir(arg) // sorted by file name
			if err != nil {
				out = append(out, input{source: arg, kind: kindFile, err: fmt.Errorf("read directory: %w", err)})
				continue
			}
			n := 0
			for _, e := range entries {
				if e.IsDir() || !isPageFile(e.Name()) {
					continue
				}
				out = append(out, input{source: filepath.Join(arg, e.Name()), kind: kindFile})
				n++
			}
			if n == 0 {
				out = append(out, input{source: arg, kind: kindFile, err: errNoPages})
			}
		}
	}
	return out
}

// result is one input's outcome.
type result struct {
	rec  *article.Article
	note string // URL inputs: why crawl run would not emit the record ("" = it would)
	err  error
}

// run extracts the inputs concurrently (GOMAXPROCS workers) and cleans and writes
// them in input order. The pipeline runs in order too, so order-dependent stages
// (dedupe) give the same result every time. It returns how many inputs failed.
func (j *extractJob) run(ctx context.Context, inputs []input, runner *pipeline.Runner, sink output.Sink, a *app) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan result, len(inputs))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	next := make(chan int)
	workers := min(runtime.GOMAXPROCS(0), len(inputs))
	for range workers {
		go func() {
			for i := range next {
				rec, note, err := j.extractOne(ctx, inputs[i])
				results[i] <- result{rec: rec, note: note, err: err}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range inputs {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()

	failed := 0
	for i, in := range inputs {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return failed, fmt.Errorf("interrupted after %d of %d inputs: %w", i, len(inputs), ctx.Err())
		}
		if r.err != nil {
			failed++
			fmt.Fprintf(a.err, "%s: %v\n", in.source, r.err)
			continue
		}
		if r.note != "" {
			if j.drop {
				fmt.Fprintf(a.err, "%s: dropped: crawl run would not emit it: %s\n", in.source, r.note)
				continue
			}
			fmt.Fprintf(a.err, "%s: kept, crawl run would not emit it: %s\n", in.source, r.note)
		}
		if keep, reason := runner.Process(ctx, r.rec); !keep {
			if j.drop {
				fmt.Fprintf(a.err, "%s: dropped: %s\n", in.source, reason)
				continue
			}
			fmt.Fprintf(a.err, "%s: kept, the pipeline would drop it: %s\n", in.source, reason)
		}
		if err := sink.Write(ctx, r.rec); err != nil {
			return failed, fmt.Errorf("%s: %w", in.source, err)
		}
	}
	return failed, nil
}

// extractOne reads, checks and extracts one input. A panic in the extractor becomes
// this input's error, so one bad page cannot take the other inputs down.
//
// A URL input goes through the crawl's own single-page path
// (crawler.PageFetcher.FetchAndExtract); note is then why crawl run would not emit
// the record (not an article, a rel=canonical alias…), "" when it would.
func (j *extractJob) extractOne(ctx context.Context, in input) (rec *article.Article, note string, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, note, err = nil, "", fmt.Errorf("internal error (please report): %v", p)
		}
	}()
	if in.err != nil {
		return nil, "", in.err
	}
	if in.kind == kindURL {
		rec, o, err := j.fetcher.FetchAndExtract(ctx, in.source)
		if err != nil {
			return nil, "", err
		}
		if o.Category != "" {
			note = o.Category + ": " + o.Reason
		}
		rec.Source = in.source
		return rec, note, nil
	}
	page := extractors.Page{URL: j.pageURL}
	switch in.kind {
	case kindStdin:
		page.Body, err = j.stdinData, j.stdinErr
	case kindFile:
		page.Body, err = readFile(in.source, j.cfg.Crawl.MaxBodyBytes)
	}
	if err != nil {
		return nil, "", err
	}
	if page.Body, err = maybeGunzip(page.Body, j.cfg.Crawl.MaxBodyBytes); err != nil {
		return nil, "", err
	}
	if err := checkText(page.Body); err != nil {
		return nil, "", err
	}
	rec, err = j.ext.Extract(ctx, page)
	if err != nil {
		return nil, "", fmt.Errorf("extract: %w", err)
	}
	rec.Source = in.source
	rec.Site = j.site
	rec.FetchedAt = nil
	return rec, "", nil
}

// readFile reads a saved page, at most limit bytes.
func readFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errNoFile
		}
		return nil, err
	}
	defer f.Close()
	return readLimited(f, limit)
}

// readLimited reads r fully, failing when it holds more than limit bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (%d)", errTooLarge, limit)
	}
	return b, nil
}

// maybeGunzip decompresses gzip data (by its magic bytes), at most limit bytes.
func maybeGunzip(b []byte, limit int64) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	defer zr.Close()
	out, err := readLimited(zr, limit)
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	return out, nil
}

// checkText rejects empty (nothing but white space) and binary inputs
// (extractors.LooksBinary, as the crawl does): a page with a few NUL bytes is read.
func checkText(b []byte) error {
	if len(bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))) == 0 {
		return errEmptyInput
	}
	if !extractors.LooksBinary(b) {
		return nil
	}
	if ct := http.DetectContentType(b); !strings.HasPrefix(ct, "text/") && ct != "application/octet-stream" {
		return fmt.Errorf("%w (%s)", errBinaryInput, strings.Split(ct, ";")[0])
	}
	return errBinaryInput
}
