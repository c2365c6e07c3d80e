package main

import (
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/spf13/cobra"
)

func newSchemaCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "schema",
		GroupID: groupConfig,
		Short:   "Print the JSON Schema of the record",
		Long: `schema prints the JSON Schema (draft 2020-12) of one output record, generated from
the Go types in package article. Fields without a value are omitted from records;
required fields are always present.`,
		Example: `  crawl schema > article.schema.json`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := a.out.Write(article.JSONSchema()); err != nil {
				return failure(err)
			}
			return nil
		},
	}
}
