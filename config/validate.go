package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/andybalholm/cascadia"
	"github.com/robfig/cron/v3"
)

// Sentinel errors wrapped by every FieldError, for errors.Is.
var (
	ErrUnknownKey    = errors.New("unknown key")
	ErrType          = errors.New("wrong type")
	ErrRequired      = errors.New("required")
	ErrRange         = errors.New("out of range")
	ErrInvalidURL    = errors.New("must be an absolute http(s) URL")
	ErrInvalidRegexp = errors.New("invalid regexp")
	ErrInvalid       = errors.New("invalid value")
	ErrDuplicate     = errors.New("duplicate")
)

// FieldError is one configuration problem: the key path ("sites[1].follow[0]"), the
// offending value as written (empty when there is none) and what is wrong.
type FieldError struct {
	Path  string
	Value string
	Err   error
}

// Error renders `path: "value": problem`, or `path: problem` without a value.
func (e *FieldError) Error() string {
	var sb strings.Builder
	if e.Path != "" {
		sb.WriteString(e.Path)
		sb.WriteString(": ")
	}
	if e.Value != "" {
		sb.WriteString(strconv.Quote(e.Value))
		sb.WriteString(": ")
	}
	sb.WriteString(e.Err.Error())
	return sb.String()
}

func (e *FieldError) Unwrap() error { return e.Err }

// kindError is a problem message that matches a sentinel with errors.Is without
// repeating the sentinel's text.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func kindErr(kind error, msg string) error { return &kindError{kind: kind, msg: msg} }

func fieldErr(path, value string, err error) error {
	return &FieldError{Path: path, Value: value, Err: err}
}

// Validate checks every value and returns all problems joined (nil when there is
// none), each a *FieldError naming its key path.
func (c Config) Validate() error {
	var errs []error
	add := func(path, value string, err error) { errs = append(errs, fieldErr(path, value, err)) }

	errs = append(errs, c.checkNumbers()...)
	if strings.TrimSpace(c.Crawl.UserAgent) == "" {
		add("crawl.user_agent", "", ErrRequired)
	}
	for _, a := range c.Crawl.Network.Allow {
		if _, err := ParseAddrRange(a); err != nil {
			add("crawl.network.allow", a, kindErr(ErrInvalid, err.Error()))
		}
	}
	for _, l := range []struct {
		key  string
		list []string
	}{{"crawl.strip_params", c.Crawl.StripParams}, {"crawl.strip_params_extra", c.Crawl.StripParamsExtra}} {
		for i, p := range l.list {
			if msg := checkParamName(p); msg != "" {
				add(fmt.Sprintf("%s[%d]", l.key, i), p, kindErr(ErrInvalid, msg))
			}
		}
	}

	if strings.TrimSpace(c.Output.Path) == "" {
		add("output.path", "", fmt.Errorf("%w (use - for stdout)", ErrRequired))
	}
	outPaths := map[string]string{strings.TrimSpace(c.Output.Path): "output.path"}
	for i, sk := range c.Output.Sinks {
		key := fmt.Sprintf("output.sinks[%d].path", i)
		p := strings.TrimSpace(sk.Path)
		if p == "" {
			add(key, "", fmt.Errorf("%w (use - for stdout)", ErrRequired))
			continue
		}
		if prev, dup := outPaths[p]; dup {
			add(key, sk.Path, fmt.Errorf("%w of %s", ErrDuplicate, prev))
			continue
		}
		outPaths[p] = key
	}

	if err := checkStateURL(c.State.URL); err != nil {
		add("state.url", c.State.URL, kindErr(ErrInvalid, err.Error()))
	}
	// The key prefix of a redis state: state.prefix, or the name when the state is
	// redis and no prefix is set.
	badPrefix := func(p string) bool { return strings.ContainsAny(p, "{} \t\r\n") }
	const prefixMsg = "the key prefix in a redis state must not contain braces or spaces"
	if p := c.State.Prefix; p != "" && badPrefix(p) {
		add("state.prefix", p, kindErr(ErrInvalid, prefixMsg))
	} else if p == "" && badPrefix(c.Name) && isRedisURL(c.State.URL) {
		add("name", c.Name, kindErr(ErrInvalid, prefixMsg+" (set state.prefix)"))
	}

	if l := c.Schedule.Listen; l != "" {
		if _, port, err := net.SplitHostPort(l); err != nil {
			add("schedule.listen", l, kindErr(ErrInvalid, "must be host:port"))
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			add("schedule.listen", l, kindErr(ErrInvalid, "bad port"))
		}
	}

	for i, st := range c.Pipeline.Stages {
		if strings.TrimSpace(st.Name) == "" {
			add(fmt.Sprintf("pipeline.stages[%d].name", i), "", ErrRequired)
		}
	}

	seen := map[string]int{}
	// {site} in an output path: two sites must not map to the same path element.
	siteInPath := slices.ContainsFunc(c.Output.Paths(), func(p string) bool { return strings.Contains(p, "{site}") })
	safe := map[string]int{}
	for i, s := range c.Sites {
		errs = append(errs, s.validate(fmt.Sprintf("sites[%d]", i))...)
		if s.Name == "" {
			continue
		}
		if j, dup := seen[s.Name]; dup {
			add(fmt.Sprintf("sites[%d].name", i), s.Name, fmt.Errorf("%w of sites[%d].name", ErrDuplicate, j))
			continue
		}
		seen[s.Name] = i
		if !siteInPath {
			continue
		}
		sp := SafePathName(s.Name)
		if j, dup := safe[sp]; dup {
			add(fmt.Sprintf("sites[%d].name", i), s.Name, fmt.Errorf("%w: {site} in the output paths becomes %q for it and for sites[%d].name %q (rename one)",
				ErrDuplicate, sp, j, c.Sites[j].Name))
			continue
		}
		safe[sp] = i
	}
	return errors.Join(errs...)
}

func (s Site) validate(p string) []error {
	var errs []error
	add := func(path, value string, err error) { errs = append(errs, fieldErr(path, value, err)) }
	if strings.TrimSpace(s.Name) == "" {
		add(p+".name", "", ErrRequired)
	}
	if len(s.StartURLs) == 0 && len(s.Sitemaps) == 0 {
		add(p+".start_urls", "", fmt.Errorf("%w: give start_urls or sitemaps", ErrRequired))
	}
	for i, u := range s.StartURLs {
		if err := checkHTTPURL(u); err != nil {
			add(fmt.Sprintf("%s.start_urls[%d]", p, i), u, err)
		}
	}
	for i, u := range s.Sitemaps {
		if err := checkHTTPURL(u); err != nil {
			add(fmt.Sprintf("%s.sitemaps[%d]", p, i), u, err)
		}
	}
	errs = append(errs, s.validateDomains(p)...)
	for _, list := range []struct {
		key string
		res []string
	}{{"follow", s.Follow}, {"articles", s.Articles}, {"exclude", s.Exclude}} {
		for i, re := range list.res {
			if _, err := compileRule(re); err != nil {
				errs = append(errs, &FieldError{Path: fmt.Sprintf("%s.%s[%d]", p, list.key, i), Value: re, Err: err})
			}
		}
	}
	for i, b := range s.Boilerplate {
		if strings.TrimSpace(b) == "" {
			add(fmt.Sprintf("%s.boilerplate[%d]", p, i), "", kindErr(ErrInvalid, "empty phrase"))
		}
	}
	switch s.RenderMode() {
	case RenderNever, RenderAlways, RenderAuto:
	default:
		add(p+".render", s.Render, kindErr(ErrInvalid, "must be never, always or auto"))
	}
	if w := strings.TrimSpace(s.RenderWaitFor); w != "" && !validSelector(w) {
		add(p+".render_wait_for", s.RenderWaitFor, kindErr(ErrInvalid, "not a CSS selector"))
	}
	for i, h := range s.RenderAllowHosts {
		if h == "" || strings.ContainsAny(h, "/ \t:") {
			add(fmt.Sprintf("%s.render_allow_hosts[%d]", p, i), h, kindErr(ErrInvalid, "must be a host name such as cdn.example.org"))
		}
	}
	if s.Schedule != "" {
		if _, err := ParseSchedule(s.Schedule); err != nil {
			add(p+".schedule", s.Schedule, kindErr(ErrInvalid, "bad cron expression: "+err.Error()))
		}
	}
	return errs
}

// validateDomains checks each allowed_domains entry (ParseDomainPattern) and that
// together they allow every start URL and sitemap of the site (the crawler would
// exclude the others).
func (s Site) validateDomains(p string) []error {
	var errs []error
	ok := true
	for i, d := range s.AllowedDomains {
		if _, err := ParseDomainPattern(d); err != nil {
			errs = append(errs, fieldErr(fmt.Sprintf("%s.allowed_domains[%d]", p, i), d, kindErr(ErrInvalid, err.Error())))
			ok = false
		}
	}
	if !ok || len(s.AllowedDomains) == 0 {
		return errs
	}
	for _, list := range []struct {
		key  string
		urls []string
	}{{"start_urls", s.StartURLs}, {"sitemaps", s.Sitemaps}} {
		for i, raw := range list.urls {
			u, err := url.Parse(raw)
			if err != nil || checkHTTPURL(raw) != nil || DomainsAllow(s.AllowedDomains, u) {
				continue // a bad URL is reported on its own
			}
			hostPort := u.Hostname()
			if u.Port() != "" {
				hostPort = u.Host
			}
			errs = append(errs, fieldErr(p+".allowed_domains", strings.Join(s.AllowedDomains, ", "),
				kindErr(ErrInvalid, fmt.Sprintf("excludes %s[%d] %q, which the crawler would never fetch (add %q)", list.key, i, raw, hostPort))))
		}
	}
	return errs
}

// validSelector: sel compiles as a CSS selector (sites[].render_wait_for).
func validSelector(sel string) bool {
	_, err := cascadia.Compile(sel)
	return err == nil
}

// cronParser accepts standard 5-field cron lines, 6 fields with leading seconds,
// and descriptors (@daily, @every 1h).
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a sites[].schedule cron expression: 5 fields (minute hour
// day-of-month month day-of-week), or 6 with leading seconds, or a descriptor such
// as @daily or @every 6h.
func ParseSchedule(spec string) (cron.Schedule, error) { return cronParser.Parse(spec) }

// checkStateURL accepts memory (or empty), sqlite://PATH and redis(s)://HOST.
func checkStateURL(raw string) error {
	switch strings.TrimSpace(raw) {
	case "", "memory", "memory://":
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	switch u.Scheme {
	case "sqlite":
		if u.Opaque == "" && u.Host == "" && u.Path == "" {
			return errors.New("sqlite URL without a path (want sqlite:///abs/path.db or sqlite://relative.db)")
		}
	case "redis", "rediss":
		if u.Host == "" {
			return errors.New("redis URL without a host (want redis://HOST:PORT/DB)")
		}
	default:
		return fmt.Errorf("unsupported state store %q (want memory, sqlite://PATH or redis://HOST:PORT/DB)", u.Scheme)
	}
	return nil
}

func isRedisURL(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	return err == nil && (u.Scheme == "redis" || u.Scheme == "rediss")
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ErrInvalidURL
	}
	return nil
}

func compileRule(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		msg := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			msg = se.Code.String()
		}
		return nil, fmt.Errorf("%w: %s", ErrInvalidRegexp, msg)
	}
	return re, nil
}

// Rules are a site's URL patterns, compiled.
type Rules struct {
	Follow   []*regexp.Regexp // pages to follow links from
	Articles []*regexp.Regexp // pages to extract as articles (empty = extractor decides)
	Exclude  []*regexp.Regexp // pages never fetched
}

// Rules compiles the site's follow/articles/exclude patterns (Go RE2, unanchored,
// matched against the absolute URL). Validate has reported any bad pattern already;
// the error here names the first one.
func (s Site) Rules() (Rules, error) {
	var r Rules
	for _, list := range []struct {
		key string
		in  []string
		out *[]*regexp.Regexp
	}{{"follow", s.Follow, &r.Follow}, {"articles", s.Articles, &r.Articles}, {"exclude", s.Exclude, &r.Exclude}} {
		for i, expr := range list.in {
			re, err := compileRule(expr)
			if err != nil {
				return Rules{}, &FieldError{Path: fmt.Sprintf("sites.%s.%s[%d]", s.Name, list.key, i), Value: expr, Err: err}
			}
			*list.out = append(*list.out, re)
		}
	}
	return r, nil
}

// Match reports whether any pattern in res matches u.
func Match(res []*regexp.Regexp, u string) bool {
	for _, re := range res {
		if re.MatchString(u) {
			return true
		}
	}
	return false
}

// Site returns the site target named name.
func (c Config) Site(name string) (Site, bool) {
	for _, s := range c.Sites {
		if s.Name == name {
			return s, true
		}
	}
	return Site{}, false
}

// Under places err, reported by another package, under the key path prefix: an
// error whose text starts with a relative key path ("selectors.content: bad") becomes
// the FieldError "sites[0].selectors.content: bad". errors.Is/As still reach err.
func Under(prefix string, err error) *FieldError {
	msg := err.Error()
	key, rest, ok := strings.Cut(msg, ": ")
	if !ok || key == "" || strings.ContainsAny(key, " \t\"") {
		return &FieldError{Path: prefix, Err: err}
	}
	path := key
	if prefix != "" {
		path = prefix + "." + key
	}
	return &FieldError{Path: path, Err: &renamed{msg: rest, err: err}}
}

// renamed shows msg but unwraps to err.
type renamed struct {
	msg string
	err error
}

func (r *renamed) Error() string { return r.msg }
func (r *renamed) Unwrap() error { return r.err }

// checkParamName is what is wrong with an entry of crawl.strip_params ("" = nothing):
// a parameter name, optionally ending in "*" (any name with that prefix).
func checkParamName(p string) string {
	name := strings.TrimSuffix(strings.TrimSpace(p), "*")
	switch {
	case name == "":
		return "must be a parameter name, or a name prefix ending in *"
	case strings.ContainsAny(name, "=&;?#/*") || strings.ContainsFunc(name, unicode.IsSpace):
		return "must be a parameter name: no = & ; ? # / spaces, and * only at the end"
	}
	return ""
}
