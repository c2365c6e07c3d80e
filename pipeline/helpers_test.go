package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

func noEnv(string) (string, bool) { return "", false }

// loadYAML decodes a whole config with the real loader (defaults → YAML → strict decode).
func loadYAML(t testing.TB, yml string) config.Config {
	t.Helper()
	cfg, err := config.LoadBytes([]byte(yml), config.LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatalf("config.LoadBytes: %v\n%s", err, yml)
	}
	return cfg
}

// stageYAML is a config running the single stage name with the options snippet.
func stageYAML(name, opts string) string {
	var b strings.Builder
	b.WriteString("pipeline:\n  stages:\n    - name: " + name + "\n")
	if strings.TrimSpace(opts) != "" {
		b.WriteString("      options:\n")
		for _, l := range strings.Split(strings.TrimSpace(opts), "\n") {
			b.WriteString("        " + l + "\n")
		}
	}
	return b.String()
}

// buildStage builds a runner with one stage from a YAML option snippet.
func buildStage(t testing.TB, name, opts string) *Runner {
	t.Helper()
	cfg := loadYAML(t, stageYAML(name, opts))
	r, err := Build(cfg.Pipeline, cfg.Sites)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return r
}

var cmpArticle = []cmp.Option{
	cmpopts.IgnoreFields(article.Article{}, "Text", "WordCount", "ContentHash", "RecordID", "SchemaVersion"),
	cmpopts.EquateEmpty(),
}

// stageCase is one table row: YAML options, article before and after.
type stageCase struct {
	name     string
	opts     string
	in, want *article.Article
	drop     string // expected drop reason ("" = kept)
}

func runStageCases(t *testing.T, stage string, cases []stageCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := buildStage(t, stage, tc.opts)
			got := tc.in.Clone()
			keep, reason := r.Process(context.Background(), got)
			if tc.drop != "" {
				if keep || reason != stage+": "+tc.drop {
					t.Fatalf("Process = %v, %q; want dropped %q", keep, reason, stage+": "+tc.drop)
				}
				return
			}
			if !keep {
				t.Fatalf("dropped: %s", reason)
			}
			if d := cmp.Diff(tc.want, got, cmpArticle...); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			// idempotent: a second pass through a fresh runner changes nothing
			again := got.Clone()
			buildStage(t, stage, tc.opts).Process(context.Background(), again)
			if d := cmp.Diff(got, again, cmpArticle...); d != "" {
				t.Errorf("not idempotent (-first +second):\n%s", d)
			}
		})
	}
}

// builders
func para(s string) article.Block { return article.Block{Type: article.BlockParagraph, Text: s} }
func list(items ...article.ListItem) article.Block {
	return article.Block{Type: article.BlockList, Items: items}
}
func item(label, text string) article.ListItem { return article.ListItem{Label: label, Text: text} }
func sec(h string, lvl int, bs ...article.Block) article.Section {
	return article.Section{Heading: h, Level: lvl, Blocks: bs}
}
func art(title string, secs ...article.Section) *article.Article {
	return &article.Article{Title: title, PageType: article.PageArticle, URL: "https://example.org/a", Sections: secs}
}
func withRelated(a *article.Article, rs ...article.Related) *article.Article {
	a.Related = rs
	return a
}
