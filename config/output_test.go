package config_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/config"
)

// output.sinks and output.rotate decode from YAML and are validated with key paths.
func TestOutputSinksAndRotate(t *testing.T) {
	yml := `
output:
  path: out/a.jsonl
  sinks:
    - path: out/a.parquet
      format: parquet
    - path: out/a.db
  rotate:
    max_records: 500
    max_bytes: 1048576
` + goodSite
	cfg, err := config.LoadBytes([]byte(yml), config.LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	want := []config.Sink{{Path: "out/a.parquet", Format: "parquet"}, {Path: "out/a.db"}}
	if d := cmp.Diff(want, cfg.Output.Sinks); d != "" {
		t.Errorf("sinks (-want +got):\n%s", d)
	}
	if cfg.Output.Rotate != (config.Rotate{MaxRecords: 500, MaxBytes: 1 << 20}) {
		t.Errorf("rotate = %+v", cfg.Output.Rotate)
	}

	bad := `
output:
  path: out/a.jsonl
  sinks:
    - format: csv
    - path: out/a.jsonl
    - path: out/b.csv
      colour: red
  rotate:
    max_records: -1
    max_bytes: -5
` + goodSite
	_, err = config.LoadBytes([]byte(bad), config.LoadOptions{Env: noEnv})
	got := map[string]error{}
	for _, p := range config.Problems(err) {
		var fe *config.FieldError
		if errors.As(p, &fe) {
			got[fe.Path] = fe
		}
	}
	for path, kind := range map[string]error{
		"output.sinks[0].path":      config.ErrRequired,
		"output.sinks[1].path":      config.ErrDuplicate,
		"output.sinks[2].colour":    config.ErrUnknownKey,
		"output.rotate.max_records": config.ErrRange,
		"output.rotate.max_bytes":   config.ErrRange,
	} {
		if !errors.Is(got[path], kind) {
			t.Errorf("%s: got %v, want %v", path, got[path], kind)
		}
	}
}
