package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/configs"
	"go.yaml.in/yaml/v3"
)

// The defaults are written in three places: config.Default() (the one source), the
// config reference table of README.md (key | default | allowed | …) and
// configs/example.yaml (every key, shown with its default unless its line ends in
// "# not the default"). These tests keep the three in step.

// readmeRow is one row of README's config reference table, its cells as written.
type readmeRow struct {
	line                   int
	key, def, allowed, doc string
}

// splitRow splits a Markdown table line into its cells (an escaped \| stays in its
// cell, unescaped), trimmed.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// parseConfigTable reads the config reference table of a README: the table whose
// header starts with the cells key, default, allowed. Rows are keyed by the key
// without its backticks.
func parseConfigTable(readme string) (map[string]readmeRow, error) {
	lines := strings.Split(readme, "\n")
	rows := map[string]readmeRow{}
	for i := 0; i < len(lines); i++ {
		h := splitRow(lines[i])
		if !strings.HasPrefix(strings.TrimSpace(lines[i]), "|") || len(h) < 4 || h[0] != "key" || h[1] != "default" || h[2] != "allowed" {
			continue
		}
		for j := i + 2; j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), "|"); j++ {
			c := splitRow(lines[j])
			if len(c) < 4 {
				return nil, fmt.Errorf("README.md line %d: %d cells, want 4: %s", j+1, len(c), lines[j])
			}
			key := strings.Trim(c[0], "`")
			if _, dup := rows[key]; dup {
				return nil, fmt.Errorf("README.md line %d: key %s listed twice", j+1, key)
			}
			rows[key] = readmeRow{line: j + 1, key: key, def: c[1], allowed: c[2], doc: strings.Join(c[3:], " | ")}
		}
		if len(rows) > 0 {
			return rows, nil
		}
	}
	return nil, errors.New("README.md has no config reference table (a header | key | default | allowed | …)")
}

// readmeConfigTable is README.md's config reference table.
func readmeConfigTable(t *testing.T) map[string]readmeRow {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := parseConfigTable(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The table parser: escaped pipes, the header found by its cells, rows to the end
// of the table.
func TestParseConfigTable(t *testing.T) {
	md := "text\n| key | x |\n|---|---|\n| `a` | 1 |\n\n" +
		"| key | default | allowed | what it does |\n|---|---|---|---|\n" +
		"| `crawl.parallelism` | 4 | 1–1000 | requests |\n" +
		"| `sites[].render` | never | never\\|always | a \\| b |\n\nafter | x |\n"
	rows, err := parseConfigTable(md)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]readmeRow{
		"crawl.parallelism": {line: 8, key: "crawl.parallelism", def: "4", allowed: "1–1000", doc: "requests"},
		"sites[].render":    {line: 9, key: "sites[].render", def: "never", allowed: "never|always", doc: "a | b"},
	}
	if diff := cmp.Diff(want, rows, cmp.AllowUnexported(readmeRow{})); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if _, err := parseConfigTable("| key | default |\n|---|---|\n| `a` | 1 |\n"); err == nil {
		t.Error("a table without the allowed column was taken for the config reference")
	}
}

// fieldByTag is the field of struct v whose mapstructure name is name.
func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	for i := range v.NumField() {
		if strings.Split(v.Type().Field(i).Tag.Get("mapstructure"), ",")[0] == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// valueAt is the value of the key path ("crawl.delay", "sites[2].render"; "[]"
// means the first entry) in cfg.
func valueAt(cfg config.Config, path string) (reflect.Value, bool) {
	v := reflect.ValueOf(cfg)
	for _, seg := range strings.Split(path, ".") {
		name, idx := seg, -1
		if i := strings.IndexByte(seg, '['); i >= 0 && strings.HasSuffix(seg, "]") {
			name, idx = seg[:i], 0
			if n, err := strconv.Atoi(seg[i+1 : len(seg)-1]); err == nil {
				idx = n
			}
		}
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, false
		}
		f, ok := fieldByTag(v, name)
		if !ok {
			return reflect.Value{}, false
		}
		v = f
		if idx >= 0 {
			if v.Kind() != reflect.Slice || v.Len() <= idx {
				return reflect.Value{}, false
			}
			v = v.Index(idx)
		}
	}
	return v, true
}

// effective is the value the crawler uses for path in cfg: an unset (nil) key of a
// site target inherits crawl.<same name> (sites[].delay is crawl.delay).
func effective(cfg config.Config, path string) (any, bool) {
	v, ok := valueAt(cfg, path)
	if !ok {
		return nil, false
	}
	if v.Kind() == reflect.Pointer {
		if !v.IsNil() {
			return v.Elem().Interface(), true
		}
		if strings.HasPrefix(path, "sites[") {
			return effective(cfg, "crawl."+path[strings.LastIndexByte(path, '.')+1:])
		}
		return reflect.Zero(v.Type().Elem()).Interface(), true
	}
	return v.Interface(), true
}

// defaults is config.Default() with one site target holding config.SiteDefaults().
func defaults() config.Config {
	d := config.Default()
	d.Sites = []config.Site{config.SiteDefaults()}
	return d
}

// defaultOf is the default of path; a site target's key (sites[N].x) has the same
// default in every entry.
func defaultOf(path string) (any, bool) {
	return effective(defaults(), siteIndex.ReplaceAllString(path, "sites[0]"))
}

var siteIndex = regexp.MustCompile(`^sites\[\d*\]`)

// generic writes sites[N] of a key path as sites[], as README does.
func generic(path string) string { return siteIndex.ReplaceAllString(path, "sites[]") }

// show writes a value for a message: Go syntax, a duration as 200ms.
func show(v any) string {
	if d, ok := v.(time.Duration); ok {
		return d.String()
	}
	return fmt.Sprintf("%#v", v)
}

// same compares two values as the config does: an empty list or map is no list.
func same(a, b any) bool { return cmp.Equal(a, b, cmpopts.EquateEmpty()) }

// isZero reports whether v is its type's zero value or an empty list or map.
func isZero(v any) bool {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return true
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	}
	return rv.IsZero()
}

// requiredKeys are the keys a config must set, by generic path: those a site
// target with no keys is refused for.
func requiredKeys(t *testing.T) map[string]bool {
	t.Helper()
	_, err := config.LoadBytes([]byte("sites:\n  - {}\n"), config.LoadOptions{Env: noEnv, RequireSites: true})
	req := map[string]bool{}
	for _, p := range config.Problems(err) {
		var fe *config.FieldError
		if errors.As(p, &fe) && errors.Is(p, config.ErrRequired) {
			req[generic(fe.Path)] = true
		}
	}
	if !req["sites[].name"] || !req["sites[].start_urls"] {
		t.Fatalf("required keys %v: want sites[].name and sites[].start_urls among them (%v)", req, err)
	}
	return req
}

// quoteKind says what a default quoted in README or in a "# not the default (X)"
// comment is.
type quoteKind int

const (
	quoteValue       quoteKind = iota // a value of the key's type, loaded as the config loads it
	quotePrefix                       // an abbreviated string ("healthcrawl/0.1 (+…)"): the start of the value
	quoteRequired                     // "—": the key has no default
	quoteReference                    // another key ("`crawl.delay`"): that key's default
	quoteDescription                  // words ("hosts of the start URLs"): what the empty value means
)

var sizeQuote = regexp.MustCompile(`^(\d+) (KiB|MiB|GiB|TiB)(?: \((\d+)\))?$`)

// quotedValue interprets the default text quoted for key (a generic path) in README
// or in an example.yaml comment: backticks dropped, an explanation after " = "
// dropped ("[] = every page"), "10 MiB" and "50 MiB (52428800)" as bytes, then the
// text loaded as the key's value in a config, with the loader's strict rules.
func quotedValue(key, text string, known map[string]reflect.Type) (any, quoteKind, error) {
	text = strings.TrimSpace(text)
	if text == "—" {
		return nil, quoteRequired, nil
	}
	if v, _, ok := strings.Cut(text, " = "); ok {
		text = strings.TrimSpace(v)
	}
	code := len(text) >= 2 && strings.HasPrefix(text, "`") && strings.HasSuffix(text, "`")
	if code {
		text = text[1 : len(text)-1]
	}
	if _, ok := known[text]; ok && text != key {
		def, _ := defaultOf(text)
		return def, quoteReference, nil
	}
	if before, _, ok := strings.Cut(text, "…"); ok {
		return before, quotePrefix, nil
	}
	if m := sizeQuote.FindStringSubmatch(text); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		n <<= 10 * (strings.Index("KMGT", m[2][:1]) + 1)
		if m[3] != "" && m[3] != strconv.FormatInt(n, 10) {
			return nil, quoteValue, fmt.Errorf("%q: %s %s is %d, not %s", text, m[1], m[2], n, m[3])
		}
		text = strconv.FormatInt(n, 10)
	}
	typ, ok := known[key]
	if !ok {
		return nil, quoteValue, fmt.Errorf("%s is not a config key", key)
	}
	if typ.Kind() == reflect.Slice && !strings.HasPrefix(text, "[") {
		if !code {
			return nil, quoteDescription, nil // words: what the list does when empty
		}
		text = "[" + text + "]" // a list written as code: `a, b, c`
	}
	// The text as the key's value in a config of its own (a site target's key in a
	// site with the keys it needs besides).
	var doc strings.Builder
	path := key
	indent := ""
	if rest, ok := strings.CutPrefix(key, "sites[]."); ok {
		doc.WriteString("sites:\n  - ")
		if rest != "name" {
			doc.WriteString("name: quoted\n    ")
		}
		if rest != "start_urls" {
			doc.WriteString("start_urls: [\"https://quoted.example.org/\"]\n    ")
		}
		path, indent = rest, "    "
	}
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if i > 0 {
			doc.WriteString("\n" + indent + strings.Repeat("  ", i))
		}
		doc.WriteString(p + ":")
	}
	doc.WriteString(" " + text + "\n")
	cfg, err := config.LoadBytes([]byte(doc.String()), config.LoadOptions{Env: noEnv})
	if err != nil {
		return nil, quoteDescription, nil
	}
	v, ok := effective(cfg, strings.Replace(key, "sites[]", "sites[0]", 1))
	if !ok {
		return nil, quoteValue, fmt.Errorf("%s: no value after loading %q", key, doc.String())
	}
	return v, quoteValue, nil
}

// checkQuoted reports how a default quoted for key disagrees with config.Default();
// "" when it agrees.
func checkQuoted(key, text string, known map[string]reflect.Type, required map[string]bool) string {
	def, ok := defaultOf(key)
	if !ok {
		return "not a config key"
	}
	v, kind, err := quotedValue(key, text, known)
	switch {
	case err != nil:
		return err.Error()
	case kind == quoteRequired:
		if !required[key] {
			return fmt.Sprintf("%q says the key has no default, but a config may leave it out (default %s)", text, show(def))
		}
	case required[key]:
		return fmt.Sprintf("%q quotes a default of a key a config must set (say —)", text)
	case kind == quotePrefix:
		if s, ok := def.(string); !ok || !strings.HasPrefix(s, v.(string)) {
			return fmt.Sprintf("%q: config.Default() is %s", text, show(def))
		}
	case kind == quoteDescription:
		// Words explain what the empty value does; a default that is set must be
		// written as a value.
		if !isZero(def) {
			return fmt.Sprintf("%q is not a value of the key, and config.Default() is %s", text, show(def))
		}
	case !same(v, def):
		return fmt.Sprintf("%q is %s, config.Default() is %s", text, show(v), show(def))
	}
	return ""
}

// knownKeys maps every key path of the config (lists of objects written "[]") to
// its type.
func knownKeys() map[string]reflect.Type {
	known := map[string]reflect.Type{}
	for _, kp := range keyPathsOf("", "[]", reflect.TypeFor[config.Config]()) {
		known[kp.key] = kp.typ
	}
	return known
}

// Every default README's config reference quotes is config.Default()'s.
func TestReadmeDefaultsAreTheDefaults(t *testing.T) {
	rows := readmeConfigTable(t)
	if len(rows) < 30 {
		t.Fatalf("README's config reference has %d rows", len(rows))
	}
	known, required := knownKeys(), requiredKeys(t)
	for _, r := range rows {
		if _, ok := known[r.key]; !ok {
			t.Errorf("README.md line %d: %s is not a config key", r.line, r.key)
			continue
		}
		if msg := checkQuoted(r.key, r.def, known, required); msg != "" {
			t.Errorf("README.md line %d: default of %s: %s", r.line, r.key, msg)
		}
	}
}

// exampleKey is a key of configs/example.yaml with its value.
type exampleKey struct {
	path    string // sites[N] with its index
	line    int
	comment string // the trailing comment of the line
}

// exampleKeys lists the keys of an example config holding a value: a mapping is
// entered when the key is a section (a struct), and so is each entry of sites; any
// other list (pipeline.stages, output.sinks) is one value. Keys that are no config
// key are problems.
func exampleKeys(data []byte, known map[string]reflect.Type) ([]exampleKey, []string) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil, []string{fmt.Sprintf("not a YAML document: %v", err)}
	}
	var out []exampleKey
	var problems []string
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			typ := known[generic(path)]
			switch {
			case typ == nil:
				problems = append(problems, fmt.Sprintf("line %d: %s is not a config key", k.Line, path))
			case v.Kind == yaml.MappingNode && typ.Kind() == reflect.Struct:
				walk(v, path)
			case v.Kind == yaml.SequenceNode && path == "sites":
				for j, e := range v.Content {
					walk(e, fmt.Sprintf("sites[%d]", j))
				}
			default:
				out = append(out, exampleKey{path: path, line: k.Line, comment: strings.TrimSpace(k.LineComment + " " + v.LineComment)})
			}
		}
	}
	walk(doc.Content[0], "")
	return out, problems
}

// notDefault matches the mark of a line of example.yaml showing a value that is not
// the default: "# not the default" and optionally the default in parentheses.
var notDefault = regexp.MustCompile(`^#\s*not the default(?:\s+\((.*?)\))?(?:[:;,.]|$)`)

// exampleCheck is what checkExample found.
type exampleCheck struct {
	keys            []exampleKey
	problems        []string // "line N: …"
	checked, marked int      // keys compared with their default; keys marked not the default
}

// checkExample compares every key of an example config with config.Default():
// a key a config must set is skipped; an unmarked key must show the default; a
// key marked "# not the default" must not, and the default quoted in its mark,
// if any, must be the default. rows (README's table) only add to the messages.
func checkExample(data []byte, known map[string]reflect.Type, required map[string]bool, rows map[string]readmeRow) exampleCheck {
	var res exampleCheck
	res.keys, res.problems = exampleKeys(data, known)
	cfg, err := config.LoadBytes(data, config.LoadOptions{Env: noEnv})
	if err != nil {
		res.problems = append(res.problems, err.Error())
		return res
	}
	for _, k := range res.keys {
		g := generic(k.path)
		if required[g] {
			continue // no default to show
		}
		got, ok := effective(cfg, k.path)
		if !ok {
			res.problems = append(res.problems, fmt.Sprintf("line %d: %s has no value once loaded", k.line, k.path))
			continue
		}
		def, _ := defaultOf(k.path)
		readme := ""
		if r, ok := rows[g]; ok {
			readme = fmt.Sprintf(", README.md line %d says %q", r.line, r.def)
		}
		m := notDefault.FindStringSubmatch(k.comment)
		switch {
		case m == nil:
			res.checked++
			if !same(got, def) {
				res.problems = append(res.problems, fmt.Sprintf("line %d: %s is %s, config.Default() %s%s: show the default or end the line with \"# not the default (DEFAULT): why\"",
					k.line, k.path, show(got), show(def), readme))
			}
		case same(got, def):
			res.marked++
			res.problems = append(res.problems, fmt.Sprintf("line %d: %s is marked \"not the default\" but is the default %s", k.line, k.path, show(def)))
		default:
			res.marked++
			if m[1] == "" {
				break
			}
			if msg := checkQuoted(g, m[1], known, required); msg != "" {
				res.problems = append(res.problems, fmt.Sprintf("line %d: the default quoted for %s: %s%s", k.line, k.path, msg, readme))
			}
		}
	}
	return res
}

// configs/example.yaml shows every key with its default, except lines marked
// "# not the default" (the site target's example values), and those lines do
// differ from the default; every key of README's config reference is in it, so
// the three agree.
func TestExampleQuotesTheDefaults(t *testing.T) {
	data := configs.Example()
	if !strings.Contains(string(data), "# not the default") {
		t.Fatal("configs/example.yaml does not explain its \"# not the default\" mark")
	}
	known, required, rows := knownKeys(), requiredKeys(t), readmeConfigTable(t)
	res := checkExample(data, known, required, rows)
	for _, p := range res.problems {
		t.Errorf("configs/example.yaml %s", p)
	}
	if len(res.keys) < 55 || res.checked < 45 || res.marked == 0 {
		t.Errorf("%d keys with a value, %d compared with the defaults, %d marked: the walk missed keys", len(res.keys), res.checked, res.marked)
	}
	// A README key the example leaves out is an example that lacks a key.
	inExample := map[string]bool{}
	for _, k := range res.keys {
		inExample[generic(k.path)] = true
	}
	for key, r := range rows {
		if !inExample[key] {
			t.Errorf("README.md line %d lists %s; configs/example.yaml does not show it", r.line, key)
		}
	}
}

// The checks catch what they are for: a README default that is not the default,
// a changed example value without the mark, a mark on the default, a wrong
// default in the mark.
func TestExampleDefaultChecksCatchDrift(t *testing.T) {
	known, required := knownKeys(), requiredKeys(t)
	for _, tt := range []struct {
		key, text string
		bad       bool
	}{
		{"crawl.parallelism", "4", false},
		{"crawl.parallelism", "8", true},
		{"crawl.delay", "200ms", false},
		{"crawl.delay", "1s", true},
		{"crawl.max_body_bytes", "10 MiB", false},
		{"crawl.max_body_bytes", "20 MiB", true},
		{"crawl.max_sitemap_bytes", "50 MiB (52428800)", false},
		{"crawl.max_sitemap_bytes", "50 MiB (50000000)", true},
		{"crawl.user_agent", "`healthcrawl/0.1 (+…)`", false},
		{"crawl.user_agent", "`curl/8 (+…)`", true},
		{"crawl.strip_params", "`jsessionid, phpsessid, sid, sessid, sessionid, session_id, aspsessionid*, cfid, cftoken, oscsid, zenid`", false},
		{"crawl.strip_params", "`jsessionid, phpsessid`", true},
		{"sites[].follow", "[] = every page", false},
		{"sites[].follow", "every page", false},   // words for the empty default
		{"sites[].max_depth", "every page", true}, // words for a default that is set
		{"sites[].delay", "`crawl.delay`", false},
		{"sites[].delay", "`crawl.timeout`", true},
		{"sites[].render", "never", false},
		{"sites[].render", "auto", true},
		{"sites[].start_urls", "—", false},
		{"sites[].max_pages", "—", true},
		{"sites[].start_urls", "[]", true},
		{"output.sinks", "[]", false},
		{"schedule.jitter", "0s", false},
		{"crawl.no_such_key", "1", true},
	} {
		if msg := checkQuoted(tt.key, tt.text, known, required); (msg != "") != tt.bad {
			t.Errorf("%s = %q: flagged %q, want flagged %v", tt.key, tt.text, msg, tt.bad)
		}
	}

	base := string(configs.Example())
	for _, tt := range []struct {
		name, from, to string
		want           string // in a problem; "" = no problem
	}{
		{"changed without the mark", "  parallelism: 4\n", "  parallelism: 8\n", "crawl.parallelism is 8"},
		{"mark on the default", "  parallelism: 4\n", "  parallelism: 4 # not the default: more\n", `crawl.parallelism is marked "not the default" but is the default`},
		{"wrong default in the mark", "  parallelism: 4\n", "  parallelism: 8 # not the default (2): more\n", `"2" is 2, config.Default() is 4`},
		{"right default in the mark", "  parallelism: 4\n", "  parallelism: 8 # not the default (4): more\n", ""},
		{"unknown key", "  parallelism: 4\n", "  parallelism: 4\n  paralelism: 4\n", "crawl.paralelism is not a config key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.from) {
				t.Fatalf("example.yaml lacks %q", tt.from)
			}
			res := checkExample([]byte(strings.Replace(base, tt.from, tt.to, 1)), known, required, nil)
			joined := strings.Join(res.problems, "\n")
			if tt.want == "" && joined != "" || tt.want != "" && !strings.Contains(joined, tt.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", joined, tt.want)
			}
		})
	}
}
