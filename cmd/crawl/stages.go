package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/pipeline"
	"github.com/spf13/cobra"
)

func newStagesCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "stages",
		GroupID: groupConfig,
		Short:   "List the pipeline stages and their options",
		Long: `stages lists every registered cleaning stage with its options (YAML key, type,
default). List them under pipeline.stages in a config, in the order they should run.`,
		Example: `  crawl stages`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.out, "Default pipeline: %v\n\n", config.DefaultStages)
			for _, st := range pipeline.Stages() {
				fmt.Fprintf(a.out, "%s\n    %s\n", st.Name, st.Doc)
				if len(st.Options) > 0 {
					tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
					for _, o := range st.Options {
						fmt.Fprintf(tw, "    %s\t%s\t(default %s)\t%s\n", o.Name, o.Type, o.Default, o.Doc)
					}
					if err := tw.Flush(); err != nil {
						return failure(err)
					}
				}
				fmt.Fprintln(a.out)
			}
			return nil
		},
	}
}
