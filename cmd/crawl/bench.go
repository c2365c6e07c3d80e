package main

import (
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
on the Readability test pages; and times the extractor on one core against a bare
golang.org/x/net/html parse of the same pages.`,
		Example: `  crawl bench extract
  crawl bench extract --aeb-dir ../shared/benchmarks/article-extraction --pred out/aeb-pred.json
  python3 ../shared/tools/score_aeb.py out/aeb-pred.json ../shared/benchmarks/article-extraction/ground-truth.json`,
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
	cmd.AddCommand(extract)
	return cmd
}
