package main

import (
	"bytes"
	"fmt"
	"time"

	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/report"
	"github.com/spf13/cobra"
)

func newReportCmd() *cobra.Command {
	var errorsPath, htmlPath string
	cmd := &cobra.Command{
		Use:     "report OUTPUT... [--errors errors.jsonl] [--html report.html]",
		GroupID: groupConfig,
		Short:   "Summarise a crawl output: sites, word counts, languages, fields filled, errors",
		Long: `report reads crawl outputs (jsonl, .jsonl.gz, json, parquet, sqlite, or a files
directory; rotated parts can be given together) and prints: articles per site, the
word-count distribution, languages, the share of articles with each field filled
(title, authors, dates, related, …), a per-site table (articles, median words,
language, fill rates) and, with --errors, the errors file's URLs by category and its
top reasons.

The word-count histogram has at most 10 bars fitted to the middle 98% of the counts
(the shortest and longest 1% join the first and last bar, then open-ended, as do
empty pages): log-scale bins on round numbers (…, 500, 700, 1000, 1500, …) when that
range spans more than a factor of 10, else equal bins of a round width (10, 20, 25,
50, 100, … words).

--html also writes the summary as one self-contained HTML page with SVG charts (no
scripts, no external assets).`,
		Example: `  crawl report out/demo.jsonl
  crawl report out/records-*.jsonl.gz --errors out/errors.jsonl --html out/report.html
  crawl report out/records.parquet out/records.db     # several outputs, one report`,
		Args: requireArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := report.Build(cmd.Context(), args, errorsPath)
			if err != nil {
				return failure(err)
			}
			if err := r.WriteTable(cmd.OutOrStdout()); err != nil {
				return failure(err)
			}
			if htmlPath == "" {
				return nil
			}
			var buf bytes.Buffer
			if err := r.WriteHTML(&buf, time.Now()); err != nil {
				return failure(err)
			}
			if err := output.WriteFileAtomic(htmlPath, buf.Bytes()); err != nil {
				return failure(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "HTML report written to %s\n", htmlPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&errorsPath, "errors", "", "errors file of the crawl (output.errors_path), JSON Lines")
	cmd.Flags().StringVar(&htmlPath, "html", "", "also write a self-contained HTML page with charts to this path")
	return cmd
}
