package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/extractors/bench"
	"github.com/spf13/cobra"
)

// newBenchCmd is `crawl bench`, with `crawl bench extract`: extraction quality
// and speed on the shared benchmark pages.
func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "bench",
		Short:   "Measure extraction quality and speed on benchmark pages",
		GroupID: groupCrawl,
		Example: `  crawl bench extract                  # score the extractor on the benchmark pages
  crawl bench extract --rounds -1      # quality only, no timing
  crawl bench crawl --pages 2000       # crawl speed against a bare colly crawl
  crawl bench scale --pages 50000      # CPU per page and peak RSS at scale, memory vs SQLite state`,
	}
	var opts bench.Options
	var noURL bool
	extract := &cobra.Command{
		Use:   "extract",
		Short: "Score the extractor on the article-extraction and Readability benchmark pages",
		Long: `Runs the extractor and the default pipeline (exactly what 'crawl extract' writes) over
the article-extraction benchmark pages and scores the records' text with the metric of
shared/tools/score_aeb.py (token 4-shingles; F1, precision, recall), listing the worst
pages; writes the predictions for that script; checks titles, headings and list items
on the Readability test pages; scores trafilatura's evaluation set (983 pages from
many sites and languages, each with snippets the text must and must not contain),
when go-trafilatura v1.12.2 is in the module cache ('go mod download
github.com/markusmobius/go-trafilatura@v1.12.2'); scores WCXB's development pages
(text F1 per page type, and the title, author and publish date against the human
ground truth, with the worst pages and the metadata misses); and times the extractor on one core
against a bare golang.org/x/net/html parse of the same pages.`,
		Example: `  crawl bench extract
  crawl bench extract --aeb-dir ../shared/benchmarks/article-extraction --pred out/aeb-pred.json
  python3 ../shared/tools/score_aeb.py out/aeb-pred.json ../shared/benchmarks/article-extraction/ground-truth.json
  crawl bench extract --rounds -1 --wcxb-pred out/wcxb-pred.json
  python3 ../shared/tools/score_wcxb.py out/wcxb-pred.json ../shared/benchmarks/wcxb-dev --splits dev`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.NoURL = noURL
			_, err := bench.Run(cmd.Context(), opts, cmd.OutOrStdout())
			return err
		},
	}
	f := extract.Flags()
	f.StringVar(&opts.AEBDir, "aeb-dir", "../shared/benchmarks/article-extraction", "article-extraction benchmark directory (html/<id>.html.gz, ground-truth.json)")
	f.StringVar(&opts.ReadabilityDir, "readability-dir", "../shared/benchmarks/readability-pages", "Readability test pages directory (pages/<name>/…); empty to skip")
	f.StringVar(&opts.PredPath, "pred", "out/aeb-pred.json", "where to write the predictions JSON; empty to skip")
	f.IntVar(&opts.Worst, "worst", 15, "number of worst pages to list")
	f.IntVar(&opts.SpeedRounds, "rounds", 3, "timing rounds (best kept); -1 skips timing")
	f.BoolVar(&opts.Misses, "misses", false, "list every readability-page miss: titles, and the headings and list items not found, by page")
	f.BoolVar(&noURL, "no-url", false, "extract without the ground-truth URLs, as 'crawl extract DIR' does")
	f.StringVar(&opts.TrafDir, "trafilatura-dir", bench.DefaultTrafDir(), "go-trafilatura v1.12.2 source tree (module cache) whose evaluation set (983 annotated pages, many sites and languages) is scored too; empty to skip")
	f.StringVar(&opts.WCXBDir, "wcxb-dir", "../shared/benchmarks/wcxb-dev", "WCXB directory (dev/html, dev/ground-truth: 1,305 pages of 7 page types with human-reviewed text, title, author and date); empty to skip")
	f.StringVar(&opts.WCXBPred, "wcxb-pred", "out/wcxb-pred.json", "where to write the WCXB predictions for score_wcxb.py; empty to skip")
	cmd.AddCommand(extract, newBenchCrawlCmd(), newBenchScaleCmd(), newBenchServeCmd())
	return cmd
}

// newBenchCrawlCmd is `crawl bench crawl`: crawler.RunCrawlBench as a command.
func newBenchCrawlCmd() *cobra.Command {
	var opts crawler.BenchOptions
	siteProcess := true
	c := &cobra.Command{
		Use:   "crawl",
		Short: "Compare a full crawl with a bare colly crawl of a generated loopback site",
		Long: `Serves a generated site on 127.0.0.1 (--pages article pages of about 5 KB, listing
pages of 50 links; from a separate process unless --site-process=false) and crawls
it, --rounds times each, three ways: a bare colly crawl
that follows links and extracts nothing; healthcrawl's crawler with nothing extracted;
and the full crawl (extraction, default pipeline, JSON encoding of every record).
Prints pages/s, peak RSS and the ratio of the full crawl to the bare one (medians).
The crawl state is in memory; per-domain delay is 0.`,
		Example: `  crawl bench crawl
  crawl bench crawl --pages 5000 --latency 10ms --rounds 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if siteProcess {
				site, stop, err := startBenchSite(cmd.Context(), max(opts.Pages, 1), opts.Latency, cmd.ErrOrStderr())
				if err != nil {
					return fmt.Errorf("bench crawl: %w", err)
				}
				defer stop()
				opts.SiteURL = site
			}
			res, err := crawler.RunCrawlBench(cmd.Context(), opts)
			if err != nil {
				return err
			}
			printBench(cmd.OutOrStdout(), res)
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&opts.Pages, "pages", 5000, "article pages on the generated site")
	f.IntVar(&opts.Parallelism, "parallelism", 0, "crawl.parallelism of every crawl (0 = the default, 4)")
	f.DurationVar(&opts.Latency, "latency", 0, "server time to first byte of every page")
	f.IntVar(&opts.Rounds, "rounds", 3, "rounds of the three crawls; medians are reported")
	f.BoolVar(&siteProcess, "site-process", true, "serve the site from a separate process ('crawl bench serve'), as a real site is; false serves it in this process, where the crawl's CPU work delays its responses")
	return c
}

// newBenchServeCmd is `crawl bench serve` (hidden): the generated bench site in a
// process of its own, for `crawl bench scale`. It prints its base URL on the first
// line of stdout and serves until stdin is closed (its parent died) or a signal.
func newBenchServeCmd() *cobra.Command {
	var pages, port int
	var latency time.Duration
	c := &cobra.Command{
		Use:    "serve",
		Short:  "Serve the generated bench site on 127.0.0.1 (for crawl bench scale)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pages <= 0 {
				return fmt.Errorf("bench serve: --pages must be > 0, got %d", pages)
			}
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				return fmt.Errorf("bench serve: %w", err)
			}
			srv := &http.Server{Handler: crawler.BenchSite{Pages: pages, PerList: 50, Latency: latency}, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(cmd.OutOrStdout(), "http://%s\n", ln.Addr())
			go func() {
				// Stdin closed (the parent is gone) or the command's context ended.
				done := make(chan struct{})
				go func() { io.Copy(io.Discard, cmd.InOrStdin()); close(done) }()
				select {
				case <-done:
				case <-cmd.Context().Done():
				}
				srv.Close()
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("bench serve: %w", err)
			}
			return nil
		},
	}
	c.Flags().IntVar(&pages, "pages", 5000, "article pages on the generated site")
	c.Flags().IntVar(&port, "port", 0, "port on 127.0.0.1 (0 = any free port)")
	c.Flags().DurationVar(&latency, "latency", 0, "server time to first byte of every page")
	return c
}

// startBenchSite runs `crawl bench serve` in a child process and returns its base
// URL and a stop function (closing the child's stdin stops it).
func startBenchSite(ctx context.Context, pages int, latency time.Duration, stderr io.Writer) (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	srv := exec.CommandContext(ctx, exe, "bench", "serve", "--pages", strconv.Itoa(pages), "--latency", latency.String())
	stdin, err := srv.StdinPipe() // closed when this process ends: the server stops
	if err != nil {
		return "", nil, err
	}
	out, err := srv.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	srv.Stderr = stderr
	if err := srv.Start(); err != nil {
		return "", nil, fmt.Errorf("start the site server: %w", err)
	}
	stop := func() {
		stdin.Close()
		_ = srv.Wait()
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("site server: no address: %w", err)
	}
	return strings.TrimSpace(line), stop, nil
}

// newBenchScaleCmd is `crawl bench scale`: crawler.RunScaleCrawl for each state, each
// crawl in a process of its own, against the site served by `crawl bench serve` in
// another.
func newBenchScaleCmd() *cobra.Command {
	var opts crawler.ScaleOptions
	var states, cpuprofile, memprofile string
	var asJSON bool
	c := &cobra.Command{
		Use:   "scale",
		Short: "CPU per page and peak RSS of a large crawl, memory vs SQLite state",
		Long: `Serves the generated bench site (--pages article pages of about 5 KB, listing pages
of 50 links) from a separate process ('crawl bench serve'), then crawls it once per
state (--states), each crawl in a process of its own, extracting every article
(default pipeline, JSON encoding of every record, no file written). For each crawl it
reports the process's CPU time (user + system, getrusage) per page written in the
first tenth of the pages after a warm-up (--warmup) and in the last tenth, their
ratio (flat cost: about 1.0), the peak RSS (VmHWM) and, with several states, the
SQLite ÷ memory CPU per page. The site's own CPU and memory are not counted.
With --site the command runs one crawl in this process against that site (what the
children do) and --json prints its result as JSON. The crawls inherit the
environment: GOMEMLIMIT (Go's soft memory limit, as for 'crawl run') applies to each
and is printed with the results.`,
		Example: `  crawl bench scale --pages 50000
  crawl bench scale --pages 300000 --parallelism 8 --states memory,sqlite
  GOMEMLIMIT=110MiB crawl bench scale --pages 300000
  crawl bench scale --pages 50000 --states sqlite --cpuprofile sqlite.pprof`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.SiteURL != "" {
				if memprofile != "" {
					opts.AtLastWindow = func() { writeHeapProfile(memprofile, cmd.ErrOrStderr()) }
				}
				return runScaleChild(cmd, opts, cpuprofile, asJSON)
			}
			var list []string
			for _, st := range strings.Split(states, ",") {
				st = strings.TrimSpace(st)
				if st != "memory" && st != "sqlite" {
					return fmt.Errorf("bench scale: --states: unknown state %q (want memory, sqlite or both, comma-separated)", st)
				}
				list = append(list, st)
			}
			return runScaleParent(cmd, opts, list, cpuprofile, memprofile, asJSON)
		},
	}
	f := c.Flags()
	f.IntVar(&opts.Pages, "pages", 50000, "article pages on the generated site")
	f.IntVar(&opts.Parallelism, "parallelism", 8, "crawl.parallelism")
	f.IntVar(&opts.Warmup, "warmup", 5000, "pages written before the first measured tenth (at most half the pages)")
	f.StringVar(&states, "states", "memory,sqlite", "crawl states to measure, comma-separated: memory, sqlite")
	f.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of each crawl to this file (suffixed .STATE with several states)")
	f.StringVar(&memprofile, "memprofile", "", "write a heap profile of each crawl, taken when its last tenth of pages begins, to this file (suffixed .STATE with several states)")
	f.BoolVar(&asJSON, "json", false, "print the results as JSON")
	f.StringVar(&opts.SiteURL, "site", "", "crawl this already served bench site (URL printed by 'crawl bench serve') once, in this process, with --state")
	f.StringVar(&opts.State, "state", "memory", "state of the crawl with --site: memory or sqlite")
	return c
}

// runScaleChild runs one crawl of the scale benchmark in this process.
func runScaleChild(cmd *cobra.Command, opts crawler.ScaleOptions, cpuprofile string, asJSON bool) error {
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return fmt.Errorf("bench scale: cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench scale: cpu profile %s: %w", cpuprofile, err)
		}
		defer pprof.StopCPUProfile()
	}
	res, err := crawler.RunScaleCrawl(cmd.Context(), opts)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
	}
	printScale(cmd.OutOrStdout(), []crawler.ScaleResult{res}, loadAvg())
	return nil
}

// runScaleParent serves the site from a child process and runs each crawl in
// another.
func runScaleParent(cmd *cobra.Command, opts crawler.ScaleOptions, states []string, cpuprofile, memprofile string, asJSON bool) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench scale: %w", err)
	}
	ctx := cmd.Context()
	site, stop, err := startBenchSite(ctx, opts.Pages, 0, cmd.ErrOrStderr())
	if err != nil {
		return fmt.Errorf("bench scale: %w", err)
	}
	defer stop()
	load := loadAvg()
	var results []crawler.ScaleResult
	for _, st := range states {
		args := []string{"bench", "scale", "--site", site, "--state", st, "--pages", strconv.Itoa(opts.Pages),
			"--parallelism", strconv.Itoa(opts.Parallelism), "--warmup", strconv.Itoa(opts.Warmup), "--json"}
		for flag, file := range map[string]string{"--cpuprofile": cpuprofile, "--memprofile": memprofile} {
			if file != "" {
				if len(states) > 1 {
					file += "." + st
				}
				args = append(args, flag, file)
			}
		}
		child := exec.CommandContext(ctx, exe, args...)
		child.Stderr = cmd.ErrOrStderr()
		b, err := child.Output()
		if err != nil {
			return fmt.Errorf("bench scale: %s crawl: %w", st, err)
		}
		var r crawler.ScaleResult
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("bench scale: %s crawl: result %q: %w", st, b, err)
		}
		results = append(results, r)
	}
	load += " → " + loadAvg()
	if asJSON {
		return json.NewEncoder(cmd.OutOrStdout()).Encode(results)
	}
	printScale(cmd.OutOrStdout(), results, load)
	return nil
}

// writeHeapProfile writes the heap profile (after a GC) to path; a failure is
// reported on errOut.
func writeHeapProfile(path string, errOut io.Writer) {
	f, err := os.Create(path)
	if err == nil {
		runtime.GC()
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(errOut, "bench scale: heap profile %s: %v\n", path, err)
	}
}

// loadAvg is the 1-, 5- and 15-minute load average ("n/a" if unknown).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// printScale prints the scale benchmark's table.
func printScale(w io.Writer, rs []crawler.ScaleResult, load string) {
	if len(rs) == 0 {
		return
	}
	r0 := rs[0]
	limit := "none"
	if v := os.Getenv("GOMEMLIMIT"); v != "" && v != "off" {
		limit = v
	}
	fmt.Fprintf(w, "site: %d article pages, parallelism %d, served by another process; %d cores; load average %s; GOMEMLIMIT %s\n", r0.Pages, r0.Parallelism, runtime.NumCPU(), load, limit)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "state\tpages\tarticles\telapsed\tpages/s\tCPU/page first 10 %% (after %d)\tCPU/page last 10 %%\tlast/first\tpeak RSS\tstate file\n", r0.Warmup)
	var mem, sq time.Duration
	for _, r := range rs {
		file := "-"
		if r.StateBytes > 0 {
			file = mib(r.StateBytes)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%.0f\t%s\t%s\t%.2f\t%s\t%s\n", r.State, r.Fetched, r.Articles, r.Elapsed.Round(time.Millisecond),
			float64(r.Fetched)/r.Elapsed.Seconds(), us(r.FirstPerPg), us(r.LastPerPg), r.Growth, mib(r.PeakRSS), file)
		cpu := r.CPU / time.Duration(max(r.Articles, 1))
		switch r.State {
		case "memory":
			mem = cpu
		case "sqlite":
			sq = cpu
		}
	}
	tw.Flush()
	if mem > 0 && sq > 0 {
		fmt.Fprintf(w, "sqlite ÷ memory CPU per page, whole crawl: %.2f (%s vs %s)\n", float64(sq)/float64(mem), us(sq), us(mem))
	}
	for _, r := range rs {
		if r.Missing != 0 {
			fmt.Fprintf(w, "%s: %d of the %d articles not written: %s\n", r.State, r.Missing, r.Pages, strings.Join(r.MissingWhy, "; "))
		}
		if r.Transactions > 0 {
			fmt.Fprintf(w, "%s: %d write transactions, %.1f writes each, %.2f per page\n", r.State, r.Transactions, float64(r.Writes)/float64(r.Transactions), float64(r.Transactions)/float64(max(r.Articles, 1)))
		}
	}
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }
