package testutil

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
)

func TestRecordError(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := &article.Article{Source: "x.html", URL: "https://a.org/x", FetchedAt: &now, PageType: article.PageArticle, Title: "T",
		Sections: []article.Section{{Blocks: []article.Block{{Type: article.BlockList, Items: []article.ListItem{{Label: "A", Text: "b"}}}}}},
		Related:  []article.Related{{Title: "R", Truncated: true}}}
	a.Finalize()
	good, _ := json.Marshal(a)
	if err := RecordError(good); err != nil {
		t.Fatalf("good record rejected: %v", err)
	}
	bad := []struct{ name, json string }{
		{"missing page_type", `{"schema_version":1,"word_count":0}`},
		{"bad page_type", `{"schema_version":1,"page_type":"blog","word_count":0}`},
		{"unknown field", `{"schema_version":1,"page_type":"article","word_count":0,"body":"x"}`},
		{"bad block type", `{"schema_version":1,"page_type":"article","word_count":0,"sections":[{"heading":"","level":0,"blocks":[{"type":"div"}]}]}`},
		{"bad date-time", `{"schema_version":1,"page_type":"article","word_count":0,"fetched_at":"yesterday"}`},
		{"schema_version 0", `{"schema_version":0,"page_type":"article","word_count":0}`},
	}
	for _, b := range bad {
		if err := RecordError([]byte(b.json)); err == nil {
			t.Errorf("%s: accepted", b.name)
		}
	}
	if n := ValidateJSONL(t, []byte(strings.Repeat(string(good)+"\n", 3))); n != 3 {
		t.Errorf("ValidateJSONL counted %d records, want 3", n)
	}
}
