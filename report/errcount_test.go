package report_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/report"
)

// A grouped errors-file line (count) counts as that many URLs.
func TestErrorsGroupedLineCounts(t *testing.T) {
	const lines = `{"site":"blog","url":"https://b.example/hub","category":"over_limit","stage":"discover","reason":"max_pages","error":"99997 URLs found on https://b.example/hub","attempts":0,"count":99997,"examples":["https://b.example/p/3"]}
{"site":"blog","url":"https://b.example/p/1","category":"over_limit","stage":"discover","reason":"max_pages","error":"max_pages 5 reached","attempts":0}
{"site":"blog","url":"https://b.example/x","category":"failed","stage":"fetch","reason":"timeout","error":"timeout","attempts":4}
`
	b := report.NewBuilder()
	if err := report.ReadErrors(strings.NewReader(lines), "errors.jsonl", b.AddError); err != nil {
		t.Fatal(err)
	}
	r := b.Report()
	if r.Errors != 99999 {
		t.Errorf("errors %d, want 99999", r.Errors)
	}
	if d := cmp.Diff([]report.Count{{"over_limit", 99998}, {"failed", 1}}, r.ErrorCats); d != "" {
		t.Errorf("categories (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]report.Count{{"blog", 99999}}, r.ErrorSites); d != "" {
		t.Errorf("sites (-want +got):\n%s", d)
	}
}
