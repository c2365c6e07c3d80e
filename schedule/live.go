package schedule

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/prometheus/client_golang/prometheus"
)

// maxLabelValues is the most values of one label (error kind, category, change) a
// site gets in one metric; the values past it are counted as "other".
const maxLabelValues = 32

// maxKindBytes caps an error kind folded from a free-text reason.
const maxKindBytes = 40

// progress is what one run has added to the counters so far.
type progress struct {
	mu   sync.Mutex
	sent map[series]float64 // the run's total added to each series
	done bool               // the final Result is counted: later reports are ignored
}

type series struct {
	vec    *prometheus.CounterVec
	labels string // label values joined by "\x00"
}

// add moves the series of vec with labels up to the run's total: by what total grew
// since the last add (a total lower than before adds nothing; counters only grow).
func (p *progress) add(vec *prometheus.CounterVec, total float64, labels ...string) {
	k := series{vec, strings.Join(labels, "\x00")}
	if d := total - p.sent[k]; d > 0 {
		vec.WithLabelValues(labels...).Add(d)
		p.sent[k] = total
	}
}

// advance moves the counters of site to the totals r of the run of p, and the queue
// gauge to r.Queued. final marks r as the run's Result: nothing is added after it.
func (s *Scheduler) advance(site string, p *progress, r Result, final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.done = final
	lbl := s.label(site)
	p.add(s.m.fetched, float64(r.Fetched), lbl)
	p.add(s.m.articles, float64(r.Articles), lbl)
	p.add(s.m.bytes, float64(r.Bytes), lbl)
	for kind, n := range s.fold("errors", site, r.Errors, errorKind) {
		p.add(s.m.errors, float64(n), lbl, kind)
	}
	for cat, n := range s.fold("urls", site, r.URLs, labelValue) {
		p.add(s.m.urls, float64(n), lbl, cat)
	}
	for ch, n := range s.fold("changes", site, r.Changes, labelValue) {
		p.add(s.m.changes, float64(n), lbl, ch)
	}
	s.m.queue.WithLabelValues(lbl).Set(float64(r.Queued))
}

// label is the site label of site: its name as in {site} paths, without spaces.
func (s *Scheduler) label(site string) string {
	if l, ok := s.labels[site]; ok {
		return l
	}
	return config.SafePathName(site)
}

// fold sums the counts of m by label value, the key made a value by f; a site gets
// at most maxLabelValues values per metric, the rest go to "other".
func (s *Scheduler) fold(metric, site string, m map[string]int, f func(string) string) map[string]int {
	if len(m) == 0 {
		return nil
	}
	s.valuesMu.Lock()
	defer s.valuesMu.Unlock()
	key := metric + "\x00" + site
	used := s.values[key]
	if used == nil {
		used = map[string]bool{}
		s.values[key] = used
	}
	out := make(map[string]int, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) { // the same values kept whatever the map order
		n := m[k]
		v := f(k)
		if !used[v] {
			if len(used) >= maxLabelValues {
				v = "other"
			}
			used[v] = true
		}
		out[v] += n
	}
	return out
}

// errorKind folds a failure reason into a label value of bounded cardinality:
// snake_case words, numbers dropped but for an HTTP status ("status 503" →
// status_503, "crashed the crawler 3 times" → crashed_the_crawler_times), cut at
// the first word that looks like a URL, host or path, and at maxKindBytes.
func errorKind(reason string) string {
	var b strings.Builder
	prev := ""
	for _, w := range strings.Fields(strings.ToLower(reason)) {
		w = strings.Trim(w, ":;,.!?()[]{}<>\"'`")
		if strings.ContainsAny(w, "/.:@?=&%\\") {
			break
		}
		if w == "" || (isNumber(w) && prev != "status") {
			continue
		}
		w = labelValue(w)
		if b.Len()+1+len(w) > maxKindBytes {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('_')
		}
		b.WriteString(w)
		prev = w
	}
	return labelValue(b.String())
}

func isNumber(w string) bool {
	return strings.IndexFunc(w, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// labelValue is v in snake_case: lower-case ASCII letters and digits, every run of
// other characters one '_', none at the ends; "other" when nothing is left.
func labelValue(v string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(v) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
			continue
		}
		under = true
	}
	if b.Len() == 0 {
		return "other"
	}
	return b.String()
}
