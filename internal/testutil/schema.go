// Package testutil holds helpers shared by tests: record validation against the
// published JSON Schema.
package testutil

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(article.JSONSchema()))
	if err != nil {
		return nil, fmt.Errorf("parse article schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(article.SchemaID, doc); err != nil {
		return nil, fmt.Errorf("add article schema: %w", err)
	}
	return c.Compile(article.SchemaID)
})

// RecordError validates one JSON record against article.JSONSchema and returns the
// problem, or nil.
func RecordError(record []byte) error {
	s, err := compiled()
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(record))
	if err != nil {
		return fmt.Errorf("record is not JSON: %w", err)
	}
	return s.Validate(v)
}

// ValidateRecord fails t when record does not validate against the record schema.
func ValidateRecord(t testing.TB, record []byte) {
	t.Helper()
	if err := RecordError(record); err != nil {
		t.Errorf("record does not match the schema: %v\nrecord: %.300s", err, record)
	}
}

// ValidateJSONL validates every line of a JSON Lines document and returns the number
// of records. An empty line or a line without its newline is an error.
func ValidateJSONL(t testing.TB, data []byte) int {
	t.Helper()
	if len(data) == 0 {
		return 0
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Errorf("JSON Lines output does not end with a newline (a partial record?)")
	}
	n := 0
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			t.Errorf("line %d is empty", i+1)
			continue
		}
		ValidateRecord(t, []byte(line))
		n++
	}
	return n
}
