package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dustin/go-humanize/english"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/pipeline"
	"github.com/healthcrawl/healthcrawl/textingest"
	"github.com/spf13/cobra"
)

// newCleanCmd is `crawl clean --from text`: a thin wrapper over textingest.
func newCleanCmd() *cobra.Command {
	var from, out, format string
	cmd := &cobra.Command{
		Use:     "clean --from text [--out PATH] [--format jsonl] FILE...",
		GroupID: groupCrawl,
		Short:   "Give structure back to article text a naive scraper flattened",
		Long: `clean reads article text that was already flattened (one block a line, headings
glued to sentences, "Label: text" items run together, related stubs after "-"
lines) and writes records: title, lead, sections by detected headings, labelled
lists, related stubs with truncated set. Each FILE ("-" = stdin) holds one article,
or several separated by form-feed lines. The default cleaning pipeline runs over
every record; dropped records are counted on stderr.`,
		Example: `  crawl clean --from text ../shared/seed/massage-therapy-article.txt
  crawl clean --from text --format markdown --out clean.md dumps/*.txt`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if from != "text" {
				return usageError("--from %q: only \"text\" is supported", from)
			}
			run, err := pipeline.Build(config.Default().Pipeline, nil)
			if err != nil {
				return usageError("pipeline: %w", err)
			}
			ctx := cmd.Context()
			format, err := output.ResolveFormat(out, format)
			if err != nil {
				return usageError("--out %q: %w", out, err)
			}
			var sink output.Sink
			if out == "-" {
				sink, err = output.New(format, cmd.OutOrStdout())
			} else {
				sink, err = output.Open(ctx, format, out)
			}
			if err != nil {
				return usageError("--out %s: %w", out, err)
			}
			n, errs, werr := textingest.CleanFiles(ctx, run, args, cmd.InOrStdin(), func(a *article.Article) error {
				return sink.Write(ctx, a)
			})
			if cerr := sink.Close(ctx); werr == nil {
				werr = cerr
			}
			for _, e := range errs {
				fmt.Fprintln(cmd.ErrOrStderr(), e)
			}
			st := run.Stats()
			var dropped []string
			for k, v := range st.Dropped {
				dropped = append(dropped, fmt.Sprintf("%s=%d", k, v))
			}
			sort.Strings(dropped)
			summary := fmt.Sprintf("clean: %s written, %d dropped", english.Plural(n, "record", ""), st.In-st.Kept)
			if len(dropped) > 0 {
				summary += " (" + strings.Join(dropped, ", ") + ")"
			}
			fmt.Fprintln(cmd.ErrOrStderr(), summary)
			if werr != nil {
				return failure(werr)
			}
			if len(errs) > 0 {
				return errPartial
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "text", `input kind: "text" (flattened article text)`)
	f.StringVarP(&out, "out", "o", "-", `output path ("-" = stdout)`)
	f.StringVar(&format, "format", "", "output format: "+strings.Join(output.Formats(), ", ")+"\n(default: named by the extension of --out; jsonl when it has none)")
	return cmd
}
