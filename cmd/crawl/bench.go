package main

import (
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
  crawl bench crawl --pages 2000       # crawl speed against a bare colly crawl`,
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
	cmd.AddCommand(extract, newBenchCrawlCmd())
	return cmd
}

// newBenchCrawlCmd is `crawl bench crawl`: crawler.RunCrawlBench as a command.
func newBenchCrawlCmd() *cobra.Command {
	var opts crawler.BenchOptions
	c := &cobra.Command{
		Use:   "crawl",
		Short: "Compare a full crawl with a bare colly crawl of a generated loopback site",
		Long: `Serves a generated site on 127.0.0.1 (--pages article pages of about 5 KB, listing
pages of 50 links) and crawls it, --rounds times each, three ways: a bare colly crawl
that follows links and extracts nothing; healthcrawl's crawler with nothing extracted;
and the full crawl (extraction, default pipeline, JSON encoding of every record).
Prints pages/s, peak RSS and the ratio of the full crawl to the bare one (medians).
The crawl state is in memory; per-domain delay is 0.`,
		Example: `  crawl bench crawl
  crawl bench crawl --pages 5000 --latency 10ms --rounds 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	return c
}
