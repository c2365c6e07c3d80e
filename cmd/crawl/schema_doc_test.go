package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// schemaDoc is the published record schema: `crawl schema` output, committed.
var schemaDoc = filepath.Join("..", "..", "docs", "schema", "record.v1.json")

// The committed schema is exactly what `crawl schema` prints: a change to the Go types
// of package article fails here until docs/schema/record.v1.json is regenerated
// (HEALTHCRAWL_UPDATE_SCHEMA=1 go test ./cmd/crawl -run TestSchemaDocUpToDate) and the
// change noted in CHANGELOG.md.
func TestSchemaDocUpToDate(t *testing.T) {
	r := runCrawl(t, "", nil, "schema")
	if r.code != exitOK {
		t.Fatalf("crawl schema: exit %d: %s", r.code, r.stderr)
	}
	if os.Getenv("HEALTHCRAWL_UPDATE_SCHEMA") == "1" {
		if err := os.WriteFile(schemaDoc, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaDoc)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), r.stdout); d != "" {
		t.Errorf("docs/schema/record.v1.json drifted from the Go types (-committed +crawl schema):\n%s\n"+
			"Regenerate with HEALTHCRAWL_UPDATE_SCHEMA=1 go test ./cmd/crawl -run TestSchemaDocUpToDate and note the change in CHANGELOG.md.", d)
	}
}
