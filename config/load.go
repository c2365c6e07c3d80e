package config

import (
	"bytes"
	"errors"
	"fmt"
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
}

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
		b, err := os.ReadFile(path)
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
	if len(bytes.TrimSpace(data)) > 0 {
		if err := yaml.Unmarshal(data, &raw); err != nil {
			return Default(), fmt.Errorf("parse YAML: %w", err)
		}
	}

	var problems []error
	problems = append(problems, unknownKeys(raw, reflect.TypeFor[Config](), "")...)

	v := viper.New()
	v.SetConfigType("yaml")
	setDefaults(v, "", reflect.ValueOf(Default()))
	if len(raw) > 0 {
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return Default(), fmt.Errorf("parse YAML: %w", err)
		}
	}
	applyEnv(v, env)

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
		problems = append(problems, decodeProblems(err)...)
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
			tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
			if tag == "" || tag == "-" || !f.IsExported() {
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
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		key := joinPath(prefix, tag)
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && fv.Type() != durationType {
			setDefaults(vp, key, fv)
			continue
		}
		vp.SetDefault(key, toRaw(fv))
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
		t := v.Type()
		for i := range t.NumField() {
			tag := strings.Split(t.Field(i).Tag.Get("mapstructure"), ",")[0]
			if tag == "" || tag == "-" || !t.Field(i).IsExported() {
				continue
			}
			m[tag] = toRaw(v.Field(i))
		}
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
			tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
			if tag == "" || tag == "-" || !f.IsExported() {
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

// applyEnv sets every key whose CRAWL_* variable is present; bad values are
// reported by the decoder with the key's path.
func applyEnv(v *viper.Viper, env func(string) (string, bool)) {
	keys := EnvKeys()
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if val, ok := env(keys[k]); ok {
			v.Set(k, val)
		}
	}
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
