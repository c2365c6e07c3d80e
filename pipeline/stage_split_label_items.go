package pipeline

import (
	"context"
	"strings"

	"github.com/healthcrawl/healthcrawl/article"
)

// SplitLabelItemsOptions configure the split_label_items stage.
type SplitLabelItemsOptions struct {
	MinItems int  `mapstructure:"min_items" doc:"a paragraph becomes a labelled list when it is a run of at least this many \"Label: sentence.\" items"`
	Lists    bool `mapstructure:"lists" doc:"give existing list items written \"Label: text\" or \"Label – text\" their label"`
}

func init() {
	Register(DefaultRegistry, "split_label_items",
		"Turns a paragraph that is a run of \"Label: sentence.\" items (\"Increased Blood Flow: … Release of Tension: …\") into a list whose items have label and text; list items written \"Label: text\" or \"Label – text\" (en or em dash) get their label. In a paragraph a label is a short title-case run (≤ 6 words); in an existing list a short run starting with a capital is enough (\"Side effects: …\", \"Glucosa en ayunas: …\"); never a clause (\"You may feel tired – …\"), a URL scheme or a time (10:30).",
		func() SplitLabelItemsOptions { return SplitLabelItemsOptions{MinItems: 2, Lists: true} },
		func(o SplitLabelItemsOptions, _ Env) (Stage, error) {
			if o.MinItems < 2 {
				return nil, optErr("min_items", "must be ≥ 2, got %d", o.MinItems)
			}
			return &splitLabelItems{opts: o}, nil
		})
}

type splitLabelItems struct{ opts SplitLabelItemsOptions }

func (*splitLabelItems) Name() string { return "split_label_items" }

// LabelItems splits a paragraph that starts with a label into its "Label: text"
// items. Labels are only recognised at the start of the paragraph or of a sentence.
// It returns nil when s does not start with a label.
func LabelItems(s string) []article.ListItem {
	type mark struct{ start, textStart int }
	var marks []mark
	// candidate label starts: 0 and every word start after a sentence end
	for i := 0; i < len(s); i++ {
		if i > 0 && (s[i-1] != ' ' || s[i] == ' ' || !sentenceEndBefore(s, i)) {
			continue
		}
		rest := s[i:]
		c := strings.Index(rest[:min(len(rest), 62)], ": ")
		if c <= 0 || c > 60 {
			if i == 0 {
				return nil
			}
			continue
		}
		if !isLabel(rest[:c]) {
			if i == 0 {
				return nil
			}
			continue
		}
		marks = append(marks, mark{start: i, textStart: i + c + 2})
	}
	if len(marks) == 0 {
		return nil
	}
	items := make([]article.ListItem, 0, len(marks))
	for k, m := range marks {
		end := len(s)
		if k+1 < len(marks) {
			end = marks[k+1].start
		}
		text := strings.TrimSpace(s[m.textStart:end])
		if text == "" {
			return nil // "A: B: …" is not a run of items
		}
		items = append(items, article.ListItem{
			Label: strings.TrimSpace(s[m.start : m.textStart-2]),
			Text:  text,
		})
	}
	return items
}

func (st *splitLabelItems) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	for si := range a.Sections {
		blocks := a.Sections[si].Blocks
		for bi := range blocks {
			b := &blocks[bi]
			if !b.InText() {
				continue
			}
			switch b.Type {
			case article.BlockParagraph:
				items := LabelItems(b.Text)
				if len(items) < st.opts.MinItems {
					continue
				}
				*b = article.Block{Type: article.BlockList, Items: items, Truncated: b.Truncated}
			case article.BlockList:
				if !st.opts.Lists {
					continue
				}
				for k := range b.Items {
					it := &b.Items[k]
					if it.Label != "" {
						continue
					}
					if l, t, ok := splitLabel(it.Text); ok {
						it.Label, it.Text = l, t
					} else if l, t, ok := splitDashLabel(it.Text); ok {
						it.Label, it.Text = l, t
					}
				}
			}
		}
	}
	return keep, nil
}
