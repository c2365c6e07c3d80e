package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// EnvPrefix prefixes every environment override: CRAWL_<SECTION>_<KEY>, e.g.
// CRAWL_CRAWL_DELAY=1s or CRAWL_OUTPUT_PATH=-. Top-level scalars drop the section:
// CRAWL_NAME.
const EnvPrefix = "CRAWL"

// Check is an extra validation run by Load after Validate, for rules that live in
// packages config cannot import (CSS selectors in extractors, stage names and options
// in pipeline, output formats in output). Each returned error should be a
// *FieldError so it carries its key path.
type Check func(c *Config) []error

// LoadOptions configure Load.
type LoadOptions struct {
	// Env looks up environment overrides; nil means os.LookupEnv.
	Env func(key string) (string, bool)
	// Checks run after Validate; their problems are joined with the others.
	Checks []Check
	// RequireSites makes a config without site targets a problem (commands that
	// crawl: run, schedule, validate).
	RequireSites bool
}

// MaxFileBytes caps the size of a config file: a larger file (or an endless one such
// as /dev/zero) is refused after reading this much.
const MaxFileBytes = 4 << 20

// Load reads the YAML file at path (empty path = defaults only) and returns the
// configuration and every problem found, joined: unknown keys, values of the wrong
// type, and everything Validate and opts.Checks report. The returned Config holds all
// the values that could be decoded even when the error is non-nil.
//
// Precedence, lowest first: Default() (SiteDefaults() for each sites[] entry), the
// file, CRAWL_* environment variables.
func Load(path string, opts LoadOptions) (Config, error) {
	var data []byte
	if path != "" {
		b, err := readCapped(path, MaxFileBytes)
		if err != nil {
			return Default(), fmt.Errorf("read config: %w", err)
		}
		data = b
	}
	cfg, err := LoadBytes(data, opts)
	if err != nil && path != "" {
		err = &FileError{Path: path, Err: err}
	}
	return cfg, err
}

// ErrTooLarge is the error of a config file larger than MaxFileBytes.
var ErrTooLarge = errors.New("config file too large")

// readCapped reads the file at path, refusing it when it holds more than limit bytes
// (it reads at most limit+1 of them).
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: more than %d MiB (a YAML config is a few KiB)", path, ErrTooLarge, limit>>20)
	}
	return data, nil
}

// FileError wraps the problems of one config file with the file's name.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// LoadBytes is Load for YAML already in memory (e.g. the embedded demo config).
func LoadBytes(data []byte, opts LoadOptions) (Config, error) {
	env := opts.Env
	if env == nil {
		env = os.LookupEnv
	}
	var raw map[string]any
	var doc yaml.Node
	if len(bytes.TrimSpace(data)) > 0 {
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return Default(), fmt.Errorf("parse YAML: %w", err)
		}
		if err := doc.Decode(&raw); err != nil {
			return Default(), fmt.Errorf("parse YAML: %w", err)
		}
	}

	var problems []error
	problems = append(problems, unknownKeys(raw, reflect.TypeFor[Config](), "")...)
	// Numbers and durations as written, before decoding turns 1e30 into a negative
	// int64 or a bare 30 into 30ns. Environment overrides win over the file.
	overridden := envOverrides(env)
	problems = append(problems, rawNumbers(&doc, "", overridden)...)
	problems = append(problems, envNumbers(overridden)...)

	v := viper.New()
	v.SetConfigType("yaml")
	setDefaults(v, "", reflect.ValueOf(Default()))
	if len(raw) > 0 {
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return Default(), fmt.Errorf("parse YAML: %w", err)
		}
	}
	for k, val := range overridden {
		v.Set(k, val.value)
	}

	// Pre-size sites with the per-site defaults so absent keys keep them:
	// mapstructure decodes each element into the existing value.
	var cfg Config
	if sites, ok := raw["sites"].([]any); ok {
		cfg.Sites = make([]Site, len(sites))
		for i := range cfg.Sites {
			cfg.Sites[i] = SiteDefaults()
		}
	}
	if err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		)
	}); err != nil {
		// A value already reported as written is not reported again as decoded.
		for _, p := range decodeProblems(err) {
			var fe *FieldError
			if errors.As(p, &fe) && reported(problems, fe.Path) {
				continue
			}
			problems = append(problems, p)
		}
	}
	// A key that failed to decode holds its zero value: don't also report that.
	bad := map[string]bool{}
	for _, p := range problems {
		var fe *FieldError
		if errors.As(p, &fe) {
			bad[fe.Path] = true
		}
	}
	later := Problems(cfg.Validate())
	if opts.RequireSites && len(cfg.Sites) == 0 && !bad["sites"] {
		later = append(later, fieldErr("sites", "", fmt.Errorf("%w: the config has no site targets to crawl", ErrRequired)))
	}
	for _, check := range opts.Checks {
		later = append(later, check(&cfg)...)
	}
	for _, p := range later {
		var fe *FieldError
		if errors.As(p, &fe) && underBad(fe.Path, bad) {
			continue
		}
		problems = append(problems, p)
	}
	return cfg, joinSorted(problems)
}

// joinSorted joins problems ordered by key path (stable), so reports read top-down.
func joinSorted(problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	sort.SliceStable(problems, func(i, j int) bool {
		return pathKey(problems[i]) < pathKey(problems[j])
	})
	return errors.Join(problems...)
}

// pathKey sorts numerically inside brackets: sites[2] before sites[10].
func pathKey(err error) string {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return ""
	}
	var sb strings.Builder
	num := ""
	for _, r := range fe.Path {
		if r >= '0' && r <= '9' {
			num += string(r)
			continue
		}
		if num != "" {
			fmt.Fprintf(&sb, "%08s", num)
			num = ""
		}
		sb.WriteRune(r)
	}
	if num != "" {
		fmt.Fprintf(&sb, "%08s", num)
	}
	return sb.String()
}

// Problems returns the individual problems inside err (a join of problems, possibly
// wrapped in a *FileError); a single error comes back as a one-element slice.
func Problems(err error) []error {
	if err == nil {
		return nil
	}
	var fe *FileError
	if errors.As(err, &fe) {
		err = fe.Err
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Problems(e)...)
		}
		return out
	}
	return []error{err}
}

// unknownKeys walks the raw YAML against the struct tags of t and reports every key
// that maps to no field, with its full path.
func unknownKeys(raw any, t reflect.Type, path string) []error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			return nil // type mismatch: reported by the decoder
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			tag, ok := keyOf(f)
			if !ok {
				continue
			}
			fields[tag] = f.Type
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var errs []error
		for _, k := range keys {
			p := joinPath(path, k)
			ft, ok := fields[k]
			if !ok {
				errs = append(errs, &FieldError{Path: p, Err: ErrUnknownKey})
				continue
			}
			errs = append(errs, unknownKeys(m[k], ft, p)...)
		}
		return errs
	case reflect.Slice:
		s, ok := raw.([]any)
		if !ok {
			return nil
		}
		var errs []error
		for i, e := range s {
			errs = append(errs, unknownKeys(e, t.Elem(), path+"["+strconv.Itoa(i)+"]")...)
		}
		return errs
	}
	return nil // maps (stage options) and scalars take any key
}

// keyOf is the config key of a struct field (its mapstructure tag); false for
// fields that are no key.
func keyOf(f reflect.StructField) (string, bool) {
	tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
	return tag, tag != "" && tag != "-" && f.IsExported()
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

var durationType = reflect.TypeFor[time.Duration]()

// setDefaults registers every key of v (a struct) with viper, so every key is known
// to viper: needed for env overrides of keys absent from the file (spf13/viper#761).
func setDefaults(vp *viper.Viper, prefix string, v reflect.Value) {
	eachKey(v, prefix, func(key string, fv reflect.Value) {
		if fv.Kind() == reflect.Struct && fv.Type() != durationType {
			setDefaults(vp, key, fv)
			return
		}
		vp.SetDefault(key, toRaw(fv))
	})
}

// eachKey calls fn with the key path and the value of every field of the struct v
// that is a config key.
func eachKey(v reflect.Value, prefix string, fn func(key string, fv reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		if tag, ok := keyOf(t.Field(i)); ok {
			fn(joinPath(prefix, tag), v.Field(i))
		}
	}
}

// toRaw converts a typed value to the untyped shape YAML decodes to (maps keyed by
// mapstructure tags, []any), so defaults and file values decode the same way.
func toRaw(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return toRaw(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		eachKey(v, "", func(key string, fv reflect.Value) { m[key] = toRaw(fv) })
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() != reflect.Struct {
			return v.Interface()
		}
		out := make([]any, v.Len())
		for i := range v.Len() {
			out[i] = toRaw(v.Index(i))
		}
		return out
	default:
		if v.Type() == durationType {
			return time.Duration(v.Int()).String()
		}
		return v.Interface()
	}
}

// EnvKeys returns every scalar key that a CRAWL_* variable can override, with the
// variable's name: "crawl.delay" → "CRAWL_CRAWL_DELAY".
func EnvKeys() map[string]string {
	out := map[string]string{}
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, ok := keyOf(f)
			if !ok {
				continue
			}
			key := joinPath(prefix, tag)
			switch {
			case f.Type.Kind() == reflect.Struct && f.Type != durationType:
				walk(key, f.Type)
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
				// lists of objects (sites, pipeline.stages) come from the file only
			default:
				out[key] = EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
			}
		}
	}
	walk("", reflect.TypeFor[Config]())
	return out
}

// envValue is one environment override: the variable and its value.
type envValue struct{ name, value string }

// envOverrides are the keys whose CRAWL_* variable is present, with their values;
// bad values are reported (envNumbers, the decoder) with the key's path.
func envOverrides(env func(string) (string, bool)) map[string]envValue {
	out := map[string]envValue{}
	for k, name := range EnvKeys() {
		if val, ok := env(name); ok {
			out[k] = envValue{name: name, value: val}
		}
	}
	return out
}

// envNumbers checks the numeric keys set by environment variables (Bounds).
func envNumbers(over map[string]envValue) []error {
	var errs []error
	for k, ev := range over {
		b, ok := Bounds[k]
		if !ok {
			continue
		}
		if err := b.checkRaw(ev.value, ""); err != nil {
			errs = append(errs, fieldErr(k, ev.value, fmt.Errorf("%w (from %s)", err, ev.name)))
		}
	}
	return errs
}

// rawNumbers walks the YAML document and checks every numeric key it sets (Bounds)
// as written; keys set by the environment are skipped (their file value is not used).
func rawNumbers(n *yaml.Node, path string, skip map[string]envValue) []error {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return nil
	}
	var errs []error
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			errs = append(errs, rawNumbers(c, path, skip)...)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, rawNumbers(n.Content[i+1], joinPath(path, n.Content[i].Value), skip)...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			errs = append(errs, rawNumbers(c, fmt.Sprintf("%s[%d]", path, i), skip)...)
		}
	case yaml.ScalarNode:
		b, ok := Bounds[genericPath(path)]
		if _, over := skip[path]; !ok || over {
			return nil
		}
		if err := b.checkRaw(n.Value, n.ShortTag()); err != nil {
			errs = append(errs, fieldErr(path, n.Value, err))
		}
	}
	return errs
}

// reported reports whether problems hold one for path.
func reported(problems []error, path string) bool {
	for _, p := range problems {
		var fe *FieldError
		if errors.As(p, &fe) && fe.Path == path {
			return true
		}
	}
	return false
}

// decodeProblems turns mapstructure's joined decode errors into FieldErrors.
func decodeProblems(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if _, ok := e.(mapstructure.Error); !ok {
			if inner := errors.Unwrap(e); inner != nil {
				walk(inner)
				return
			}
		}
		fe := &FieldError{Err: kindErr(ErrType, e.Error())}
		var de *mapstructure.DecodeError
		if errors.As(e, &de) {
			fe.Path = de.Name()
			msg := de.Unwrap().Error()
			if strings.HasPrefix(msg, "time: ") {
				msg = "must be a duration such as 500ms or 20s (" + msg + ")"
			}
			fe.Err = kindErr(ErrType, msg)
		}
		var pe *mapstructure.ParseError
		if errors.As(e, &pe) {
			fe.Value = fmt.Sprint(pe.Value)
			fe.Err = kindErr(ErrType, "must be "+article(pe.Expected.Type().String()))
		}
		var ue *mapstructure.UnconvertibleTypeError
		if errors.As(e, &ue) {
			fe.Value = fmt.Sprint(ue.Value)
			fe.Err = kindErr(ErrType, "must be "+article(ue.Expected.Type().String()))
		}
		out = append(out, fe)
	}
	walk(err)
	return out
}

// article names a Go type for people: "int" → "an integer", "time.Duration" → "a duration".
func article(typ string) string {
	switch typ {
	case "int", "int64", "int32", "uint", "uint64":
		return "an integer"
	case "time.Duration":
		return "a duration such as 500ms or 20s"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "[]string":
		return "a list of strings"
	}
	return "of type " + typ
}

// underBad reports whether path is, or lies under, a key that failed to decode.
func underBad(path string, bad map[string]bool) bool {
	for b := range bad {
		if path == b || strings.HasPrefix(path, b+".") || strings.HasPrefix(path, b+"[") {
			return true
		}
	}
	return false
}
