package pipeline

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/healthcrawl/healthcrawl/config"
)

// Env is what a stage factory may read besides its own options.
type Env struct {
	// Sites are the configured site targets (per-site options such as extra
	// boilerplate phrases are keyed by Article.Site == Site.Name).
	Sites []config.Site
	// Near is the near-duplicate index the dedupe stage shares with the crawl state
	// (nil = a new in-process index per Runner).
	Near NearIndex
}

// Factory builds a stage from its raw YAML options (nil when none were given).
type Factory func(opts map[string]any, env Env) (Stage, error)

// OptionDoc documents one stage option.
type OptionDoc struct {
	Name    string // YAML key
	Type    string // Go type, e.g. "int", "[]string"
	Default string // default value as YAML-ish text
	Doc     string
}

// StageInfo documents one registered stage (for `crawl stages`).
type StageInfo struct {
	Name    string
	Doc     string
	Options []OptionDoc
}

type registered struct {
	info    StageInfo
	factory Factory
}

// Registry maps stage names to factories. The zero value is not usable; use
// NewRegistry. Tests build their own Registry so they never touch globals.
type Registry struct {
	stages map[string]registered
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{stages: map[string]registered{}} }

// DefaultRegistry holds the built-in stages; each stage_<name>.go registers itself in init.
var DefaultRegistry = NewRegistry()

// OptionError is an invalid option value; Key is the option's key path below
// "options" (e.g. "min_words" or "require[1]").
type OptionError struct {
	Key  string
	Msg  string
	kind error // config sentinel; nil = config.ErrRange
}

func (e *OptionError) Error() string { return e.Key + ": " + e.Msg }

// optErr returns an *OptionError.
func optErr(key, format string, args ...any) error {
	return &OptionError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// RegisterFactory adds a stage with a raw factory. It panics on a duplicate name
// (a programming error caught at init).
func (r *Registry) RegisterFactory(info StageInfo, f Factory) {
	if _, dup := r.stages[info.Name]; dup {
		panic("pipeline: stage registered twice: " + info.Name)
	}
	r.stages[info.Name] = registered{info: info, factory: f}
}

// Register adds a stage whose options are the struct O: the factory starts from
// defaults(), decodes the YAML options into it strictly (unknown keys are errors,
// mapstructure tags name the keys, doc tags document them) and calls build, which
// validates and returns an *OptionError for a bad value.
func Register[O any](r *Registry, name, doc string, defaults func() O, build func(O, Env) (Stage, error)) {
	info := StageInfo{Name: name, Doc: doc, Options: optionDocs(defaults())}
	r.RegisterFactory(info, func(raw map[string]any, env Env) (Stage, error) {
		o := defaults()
		if len(raw) > 0 {
			if err := decodeStrict(raw, &o); err != nil {
				return nil, err
			}
		}
		return build(o, env)
	})
}

// decodeStrict decodes raw into out strictly: every unknown key is reported by name
// (the decoder's metadata lists them; ErrorUnused alone would only say "invalid keys").
func decodeStrict(raw map[string]any, out any) error {
	var md mapstructure.Metadata
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:     out,
		Metadata:   &md,
		DecodeHook: mapstructure.StringToTimeDurationHookFunc(),
	})
	if err != nil {
		return err
	}
	if err := dec.Decode(raw); err != nil {
		var errs []error
		walkDecodeErrors(err, func(de *mapstructure.DecodeError) {
			errs = append(errs, &OptionError{Key: de.Name(), Msg: de.Unwrap().Error(), kind: config.ErrType})
		})
		if len(errs) == 0 {
			return err
		}
		return errors.Join(errs...)
	}
	if len(md.Unused) > 0 {
		sort.Strings(md.Unused)
		var errs []error
		for _, k := range md.Unused {
			errs = append(errs, optErr(k, msgUnknownOption))
		}
		return errors.Join(errs...)
	}
	return nil
}

// walkDecodeErrors calls fn for the innermost *mapstructure.DecodeError of each branch.
func walkDecodeErrors(err error, fn func(*mapstructure.DecodeError)) {
	switch e := err.(type) {
	case interface{ Unwrap() []error }:
		for _, x := range e.Unwrap() {
			walkDecodeErrors(x, fn)
		}
	case *mapstructure.DecodeError:
		var inner *mapstructure.DecodeError
		if errors.As(e.Unwrap(), &inner) {
			walkDecodeErrors(e.Unwrap(), fn)
			return
		}
		fn(e)
	case interface{ Unwrap() error }:
		walkDecodeErrors(e.Unwrap(), fn)
	}
}

// optionDocs reflects the options struct: mapstructure tag, type, default, doc tag.
func optionDocs(o any) []OptionDoc {
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Struct {
		return nil
	}
	t := v.Type()
	var docs []OptionDoc
	for i := range t.NumField() {
		f := t.Field(i)
		key := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if key == "" || key == "-" {
			continue
		}
		def := v.Field(i).Interface()
		ds := fmt.Sprint(def)
		if s, ok := def.([]string); ok {
			ds = "[" + strings.Join(s, ", ") + "]"
		}
		docs = append(docs, OptionDoc{Name: key, Type: f.Type.String(), Default: ds, Doc: f.Tag.Get("doc")})
	}
	return docs
}

// Names returns the registered stage names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.stages))
	for n := range r.stages {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Stages lists the registered stages in default pipeline order, then by name.
func (r *Registry) Stages() []StageInfo {
	out := make([]StageInfo, 0, len(r.stages))
	for _, reg := range r.stages {
		out = append(out, reg.info)
	}
	rank := func(n string) int {
		if i := slices.Index(config.DefaultStages, n); i >= 0 {
			return i
		}
		return len(config.DefaultStages)
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := rank(out[i].Name), rank(out[j].Name)
		if ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// New builds one stage by name with raw options.
func (r *Registry) New(name string, opts map[string]any, env Env) (Stage, error) {
	reg, ok := r.stages[name]
	if !ok {
		return nil, fmt.Errorf("unknown stage %q (known: %s)", name, strings.Join(r.Names(), ", "))
	}
	return reg.factory(opts, env)
}

// Build creates a Runner from cfg (empty = config.DefaultStages with default options).
// All problems are returned joined, each with its key path.
func (r *Registry) Build(cfg config.Pipeline, sites []config.Site) (*Runner, error) {
	return r.BuildEnv(cfg, Env{Sites: sites})
}

// BuildEnv is Build with the whole Env (e.g. a store's near-duplicate index).
func (r *Registry) BuildEnv(cfg config.Pipeline, env Env) (*Runner, error) {
	run, errs := r.buildEnv(cfg, env)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return run, nil
}

func (r *Registry) build(cfg config.Pipeline, sites []config.Site) (*Runner, []error) {
	return r.buildEnv(cfg, Env{Sites: sites})
}

func (r *Registry) buildEnv(cfg config.Pipeline, env Env) (*Runner, []error) {
	stages := cfg.Stages
	if len(stages) == 0 {
		for _, n := range config.DefaultStages {
			stages = append(stages, config.StageConfig{Name: n})
		}
	}
	var errs []error
	var built []Stage
	for i, sc := range stages {
		path := fmt.Sprintf("pipeline.stages[%d]", i)
		reg, ok := r.stages[sc.Name]
		if !ok {
			errs = append(errs, &config.FieldError{Path: path + ".name", Value: sc.Name,
				Err: &problem{msg: "unknown stage (known: " + strings.Join(r.Names(), ", ") + ")", kind: config.ErrInvalid}})
			continue
		}
		s, err := reg.factory(sc.Options, env)
		if err != nil {
			errs = append(errs, withPath(path+".options", err)...)
			continue
		}
		built = append(built, s)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return NewRunner(built...), nil
}

// withPath turns a factory's (joined) errors into *config.FieldError values carrying
// their full key path ("pipeline.stages[3].options.min_words").
func withPath(path string, err error) []error {
	var out []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, withPath(path, e)...)
		}
		return out
	}
	var oe *OptionError
	if errors.As(err, &oe) {
		kind := oe.kind
		switch {
		case oe.Msg == msgUnknownOption:
			kind = config.ErrUnknownKey
		case kind == nil:
			kind = config.ErrRange
		}
		return []error{&config.FieldError{Path: path + "." + oe.Key, Err: &problem{msg: oe.Msg, kind: kind}}}
	}
	return []error{&config.FieldError{Path: path, Err: &problem{msg: err.Error(), kind: config.ErrType}}}
}

// ErrInvalidOption matches (errors.Is) every stage name or option problem returned by
// Build and ValidateConfig; each is a *config.FieldError with the key path.
var ErrInvalidOption = errors.New("invalid pipeline stage or option")

// problem is a message that matches its config sentinel and ErrInvalidOption.
type problem struct {
	msg  string
	kind error
}

func (p *problem) Error() string        { return p.msg }
func (p *problem) Unwrap() error        { return p.kind }
func (p *problem) Is(target error) bool { return target == ErrInvalidOption }

const msgUnknownOption = "unknown option"
