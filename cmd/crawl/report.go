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
(title, authors, dates, related, …) and, with --errors, the errors file's URLs by
category and its top reasons.

--html also writes the summary as one self-contained HTML page with SVG charts (no
scripts, no external assets).`,
		Example: `  crawl report out/demo.jsonl
  crawl report out/records-*.jsonl.gz --errors out/errors.jsonl --html out/report.html`,
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
