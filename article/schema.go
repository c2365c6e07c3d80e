package article

import (
	"encoding/json"
	"sync"

	"github.com/invopop/jsonschema"
)

// SchemaID is the $id of the record's JSON Schema.
const SchemaID = "https://github.com/healthcrawl/healthcrawl/schema/article-v1.json"

var schemaOnce = sync.OnceValue(func() []byte {
	r := &jsonschema.Reflector{
		ExpandedStruct: true, // the record itself at the top level, parts under $defs
	}
	s := r.Reflect(&Article{})
	s.ID = SchemaID
	s.Title = "healthcrawl article record"
	s.Description = "One extracted, cleaned health article (schema v1). Fields a page does not have are omitted."
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		// The schema is generated from fixed Go types: a failure here is a programming error
		// caught by the tests, never a run-time input problem.
		return nil
	}
	return append(b, '\n')
})

// JSONSchema returns the JSON Schema (draft 2020-12) of Article, generated from the Go
// types: fields without omitempty are required, unknown fields are not allowed.
func JSONSchema() []byte { return append([]byte(nil), schemaOnce()...) }
