package article_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

func TestJSONSchemaShape(t *testing.T) {
	var s struct {
		Schema     string                     `json:"$schema"`
		ID         string                     `json:"$id"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(article.JSONSchema(), &s); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" || s.ID != article.SchemaID {
		t.Errorf("$schema=%q $id=%q", s.Schema, s.ID)
	}
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	for _, r := range []string{"schema_version", "page_type", "word_count"} {
		if !req[r] {
			t.Errorf("%s not required (required: %v)", r, s.Required)
		}
	}
	for _, p := range []string{"schema_version", "source", "url", "canonical_url", "site", "fetched_at", "page_type",
		"title", "description", "authors", "published_at", "modified_at", "language", "site_name", "tags", "image",
		"reviewed_by", "reviewed_at", "sections", "related", "references", "text", "word_count", "content_hash"} {
		if _, ok := s.Properties[p]; !ok {
			t.Errorf("schema lacks property %s", p)
		}
	}
	for _, d := range []string{"Section", "Block", "ListItem", "Related", "Reference"} {
		if _, ok := s.Defs[d]; !ok {
			t.Errorf("schema lacks $defs/%s", d)
		}
	}
}

func TestSectionWithoutBlocksMarshalsEmptyArray(t *testing.T) {
	a := article.Article{PageType: article.PageArticle, Sections: []article.Section{{Heading: "Symptoms", Level: 2}}}
	a.Finalize() // every record is finalized before it is written
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"sections":[{"heading":"Symptoms","level":2,"blocks":[]}]`; !strings.Contains(string(b), want) {
		t.Errorf("got %s, want it to contain %s", b, want)
	}
	var back article.Article
	if err := json.Unmarshal(b, &back); err != nil || back.Sections[0].Heading != "Symptoms" {
		t.Errorf("round trip: %v %+v", err, back)
	}
}
