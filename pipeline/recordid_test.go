package pipeline

import (
	"context"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

// The crawler sets a record's url after the extractor finalised it: Process brings
// record_id in step even when no stage changes the text.
func TestProcessSetsRecordIDOfFinalURL(t *testing.T) {
	a := &article.Article{PageType: article.PageArticle,
		Sections: []article.Section{{Blocks: []article.Block{{Type: article.BlockParagraph, Text: "Some text here."}}}}}
	a.Finalize()
	a.URL = "https://health.example/final"
	if keep, reason := NewRunner().Process(context.Background(), a); !keep {
		t.Fatalf("dropped: %s", reason)
	}
	if want := article.RecordID(a.URL, a.ContentHash); a.RecordID != want || want == "" {
		t.Errorf("record_id %q, want %q", a.RecordID, want)
	}
}
