package article_test

import (
	"regexp"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

func recordWith(url, canonical, source, text string) *article.Article {
	a := &article.Article{URL: url, CanonicalURL: canonical, Source: source,
		Sections: []article.Section{{Blocks: []article.Block{{Type: article.BlockParagraph, Text: text}}}}}
	a.Finalize()
	return a
}

// record_id is stable for the same url and content, and changes with either.
func TestRecordIDStable(t *testing.T) {
	const u = "https://health.example/a"
	base := recordWith(u, "", "", "Same text.")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(base.RecordID) {
		t.Fatalf("record_id %q: want 32 hex digits", base.RecordID)
	}
	if want := article.RecordID(u, base.ContentHash); base.RecordID != want {
		t.Errorf("record_id %s, want RecordID(url, content_hash) %s", base.RecordID, want)
	}
	for _, tc := range []struct {
		name string
		a    *article.Article
		same bool
	}{
		{"same url and content", recordWith(u, "", "", "Same text."), true},
		{"same url and content, other source and title", func() *article.Article {
			a := recordWith(u, "", "https://other.example/x", "Same text.")
			a.Title = "Another title"
			return a
		}(), true},
		{"different content", recordWith(u, "", "", "Other text."), false},
		{"different url", recordWith(u+"/b", "", "", "Same text."), false},
		{"no url: canonical_url", recordWith("", u, "", "Same text."), true},
		{"no url: source", recordWith("", "", u, "Same text."), true},
	} {
		if got := tc.a.RecordID == base.RecordID; got != tc.same {
			t.Errorf("%s: record_id %s vs %s, same = %v, want %v", tc.name, tc.a.RecordID, base.RecordID, got, tc.same)
		}
	}
	if empty := recordWith(u, "", "", ""); empty.ContentHash != "" || empty.RecordID != "" {
		t.Errorf("record without text: content_hash %q record_id %q, want both empty", empty.ContentHash, empty.RecordID)
	}
	// The URL set after Finalize (the crawler does) is taken by SetRecordID.
	late := recordWith("", "", "", "Same text.")
	late.URL = u
	late.SetRecordID()
	if late.RecordID != base.RecordID {
		t.Errorf("SetRecordID after setting the url: %s, want %s", late.RecordID, base.RecordID)
	}
}
