package config_test

import (
	"bytes"
	"io/fs"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/configs"
	"go.yaml.in/yaml/v3"
)

// keyPath is one key of the configuration and its type (pointers removed).
type keyPath struct {
	key string
	typ reflect.Type
}

// keyPathsOf lists every key of t as it appears in YAML, the entries of lists of
// objects written with index ("[0]" or "[]").
func keyPathsOf(prefix, index string, t reflect.Type) []keyPath {
	var out []keyPath
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		out = append(out, keyPath{key, ft})
		switch {
		case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Duration]():
			out = append(out, keyPathsOf(key, index, ft)...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, keyPathsOf(key+index, index, ft.Elem())...)
		}
	}
	return out
}

// keyPaths lists every key of t as it appears in YAML, lists of objects as "[0]".
func keyPaths(prefix string, t reflect.Type) []string {
	var out []string
	for _, kp := range keyPathsOf(prefix, "[0]", t) {
		out = append(out, kp.key)
	}
	return out
}

func lookup(raw any, path string) bool {
	cur := raw
	for _, part := range strings.Split(path, ".") {
		idx := strings.HasSuffix(part, "[0]")
		part = strings.TrimSuffix(part, "[0]")
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
		if idx {
			s, ok := cur.([]any)
			if !ok || len(s) == 0 {
				return false
			}
			cur = s[0]
		}
	}
	return true
}

// emptyList reports whether the key at path (sections only, no list index) holds
// an empty list.
func emptyList(raw any, path string) bool {
	cur := raw
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	l, ok := cur.([]any)
	return ok && len(l) == 0
}

// Every key of the configuration appears in configs/example.yaml, with a comment
// (its value is checked by TestExampleQuotesTheDefaults). A key of the entries of a
// list that is empty by default (output.sinks) may be shown in a commented-out
// entry instead ("#   - path: …").
func TestExampleHasEveryKey(t *testing.T) {
	var raw map[string]any
	if err := yaml.Unmarshal(configs.Example(), &raw); err != nil {
		t.Fatal(err)
	}
	keys := keyPaths("", reflect.TypeFor[config.Config]())
	if len(keys) < 40 {
		t.Fatalf("only %d keys found: %v", len(keys), keys)
	}
	for _, k := range keys {
		if lookup(raw, k) {
			continue
		}
		if i := strings.LastIndex(k, "[0]."); i >= 0 {
			shown := regexp.MustCompile(`(?m)^\s*#\s+(- )?` + regexp.QuoteMeta(k[i+len("[0]."):]) + `: `)
			if emptyList(raw, k[:i]) && shown.Match(configs.Example()) {
				continue
			}
		}
		t.Errorf("configs/example.yaml lacks key %s", k)
	}
	// Every key has a comment: a line of its own above it or at the line's end.
	lines := strings.Split(string(configs.Example()), "\n")
	for i, l := range lines {
		trim := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- "))
		if trim == "" || strings.HasPrefix(trim, "#") || !strings.Contains(trim, ":") {
			continue
		}
		prev := ""
		if i > 0 {
			prev = strings.TrimSpace(lines[i-1])
		}
		if !strings.Contains(l, " # ") && !strings.HasPrefix(prev, "#") && !strings.HasPrefix(prev, "- #") {
			t.Errorf("example.yaml line %d has no comment: %s", i+1, l)
		}
	}

}

// Every bundled config loads without problems (the demo's {{BASE}} filled in).
func TestBundledConfigsValid(t *testing.T) {
	names, err := fs.Glob(configs.Files(), "*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no bundled configs: %v", err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, err := fs.ReadFile(configs.Files(), name)
			if err != nil {
				t.Fatal(err)
			}
			data = bytes.ReplaceAll(data, []byte("{{BASE}}"), []byte("http://127.0.0.1:8080"))
			cfg, err := config.LoadBytes(data, config.LoadOptions{Env: noEnv})
			if err != nil {
				t.Fatalf("%s:\n%v", name, err)
			}
			if len(cfg.Sites) == 0 {
				t.Errorf("%s has no site target", name)
			}
		})
	}
}
