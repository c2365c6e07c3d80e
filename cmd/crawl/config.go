package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dustin/go-humanize/english"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/extractors"
	"github.com/healthcrawl/healthcrawl/fetch"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/pipeline"
)

// configChecks are the validations that live outside package config: CSS selectors
// (extractors), pipeline stages and their options (pipeline), output formats (output),
// fetchers (fetch).
func configChecks() []config.Check {
	return []config.Check{
		func(c *config.Config) []error {
			var errs []error
			for i, s := range c.Sites {
				for _, err := range extractors.ValidateSelectors(s.Selectors) {
					errs = append(errs, config.Under(fmt.Sprintf("sites[%d]", i), err))
				}
			}
			return errs
		},
		func(c *config.Config) []error {
			var errs []error
			for _, err := range pipeline.ValidateConfig(c.Pipeline) {
				errs = append(errs, config.Under("", err))
			}
			return errs
		},
		checkOutputFormats,
		checkFetchers,
	}
}

// checkFetchers checks crawl.fetcher and crawl.renderer against the fetchers
// registered in the fetch package.
func checkFetchers(c *config.Config) []error {
	var errs []error
	for _, k := range []struct{ key, name string }{{"crawl.fetcher", c.Crawl.Fetcher}, {"crawl.renderer", c.Crawl.Renderer}} {
		if k.name == "" || slices.Contains(fetch.Names(), k.name) {
			continue
		}
		errs = append(errs, &config.FieldError{Path: k.key, Value: k.name, Err: fmt.Errorf("no such fetcher (known: %s)", strings.Join(fetch.Names(), ", "))})
	}
	return errs
}

// checkOutputFormats checks the format of output.path and of every output.sinks
// entry (output.ResolveFormat: a known format, agreeing with the path's extension;
// without one, an extension that names a format), and that rotation is not asked of
// a format that writes a directory.
func checkOutputFormats(c *config.Config) []error {
	var errs []error
	rotates := c.Output.Rotate.MaxRecords > 0 || c.Output.Rotate.MaxBytes > 0
	check := func(key, format, path string) {
		f, err := output.ResolveFormat(path, format)
		if err != nil {
			if format == "" { // the path's extension is what is wrong
				errs = append(errs, &config.FieldError{Path: key + "path", Value: path, Err: err})
			} else {
				errs = append(errs, &config.FieldError{Path: key + "format", Value: format, Err: err})
			}
			return
		}
		if pf, ok := output.DefaultRegistry().PathFormat(f); ok && pf.Dir && rotates {
			errs = append(errs, &config.FieldError{Path: "output.rotate", Value: f,
				Err: fmt.Errorf("%w: format %s writes a directory and does not rotate (%sformat)", config.ErrInvalid, f, key)})
		}
	}
	if strings.TrimSpace(c.Output.Path) != "" {
		check("output.", c.Output.Format, c.Output.Path)
	}
	for i, s := range c.Output.Sinks {
		if strings.TrimSpace(s.Path) != "" {
			check(fmt.Sprintf("output.sinks[%d].", i), s.Format, s.Path)
		}
	}
	return errs
}

// configError is a config that failed to load or validate: exit status 2, every
// problem on its own line.
type configError struct {
	path string
	err  error
}

func (e *configError) Error() string {
	probs := config.Problems(e.err)
	msg := fmt.Sprintf("config %s: %s:", e.path, english.Plural(len(probs), "problem", "problems"))
	for _, p := range probs {
		msg += "\n  " + p.Error()
	}
	return msg
}

func (e *configError) Unwrap() error { return e.err }

// loadConfig loads and validates path ("" = defaults and environment only).
func (a *app) loadConfig(path string) (config.Config, error) {
	return a.load(path, false)
}

// loadCrawlConfig is loadConfig for the commands that crawl (run, schedule): a config
// without site targets is a problem too.
func (a *app) loadCrawlConfig(path string) (config.Config, error) {
	return a.load(path, true)
}

func (a *app) load(path string, requireSites bool) (config.Config, error) {
	cfg, err := config.Load(path, config.LoadOptions{Env: a.env, Checks: configChecks(), RequireSites: requireSites})
	if err != nil {
		name := path
		if name == "" {
			name = "(defaults)"
		}
		return cfg, &exitError{code: exitUsage, err: &configError{path: name, err: err}}
	}
	return cfg, nil
}

// loadConfigBytes is loadConfig for an embedded config.
func (a *app) loadConfigBytes(name string, data []byte) (config.Config, error) {
	cfg, err := config.LoadBytes(data, config.LoadOptions{Env: a.env, Checks: configChecks()})
	if err != nil {
		return cfg, &exitError{code: exitUsage, err: &configError{path: name, err: err}}
	}
	return cfg, nil
}

// checkSites reports names that are not site targets of cfg.
func checkSites(cfg config.Config, names []string) error {
	var errs []error
	for _, n := range names {
		if _, ok := cfg.Site(n); !ok {
			var known []string
			for _, s := range cfg.Sites {
				known = append(known, s.Name)
			}
			errs = append(errs, fmt.Errorf("--site %q: no such site target (known: %v)", n, known))
		}
	}
	if len(errs) > 0 {
		return &exitError{code: exitUsage, err: errors.Join(errs...)}
	}
	return nil
}
