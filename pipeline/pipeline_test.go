package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

func TestBuildDefaults(t *testing.T) {
	for _, cfg := range []config.Pipeline{{}, config.Default().Pipeline} {
		r, err := Build(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(config.DefaultStages, r.StageNames()); d != "" {
			t.Errorf("stages (-want +got):\n%s", d)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	cfg := loadYAML(t, `
pipeline:
  stages:
    - name: normalize
    - name: nosuch
    - name: filter
      options: {min_words: -1, bogus: 1}
    - name: dedupe
      options: {threshold: 2}
`)
	_, err := Build(cfg.Pipeline, nil)
	if err == nil {
		t.Fatal("Build accepted a bad config")
	}
	want := []string{
		`pipeline.stages[1].name: "nosuch": unknown stage (known: dedupe, dedupe_title, detect_truncation, drop_boilerplate, filter, language, normalize, repair_glued, split_label_items)`,
		"pipeline.stages[2].options.bogus: unknown option",
		"pipeline.stages[3].options.threshold: must be in (0.5, 1], got 2",
	}
	if d := cmp.Diff(strings.Join(want, "\n"), err.Error()); d != "" {
		t.Errorf("error (-want +got):\n%s", d)
	}
	if !errors.Is(err, ErrInvalidOption) || !errors.Is(err, config.ErrUnknownKey) {
		t.Errorf("errors.Is(ErrInvalidOption / config.ErrUnknownKey) = false for %v", err)
	}
	errs := ValidateConfig(cfg.Pipeline)
	if len(errs) != 3 {
		t.Fatalf("ValidateConfig returned %d errors, want 3: %v", len(errs), errs)
	}
	var fe *config.FieldError
	if !errors.As(errs[2], &fe) || fe.Path != "pipeline.stages[3].options.threshold" || !errors.Is(errs[2], config.ErrRange) {
		t.Errorf("ValidateConfig[2] = %#v, want a *config.FieldError at pipeline.stages[3].options.threshold", errs[2])
	}
	if errs := ValidateConfig(config.Default().Pipeline); len(errs) != 0 {
		t.Errorf("ValidateConfig(default) = %v", errs)
	}
}

func TestStagesListing(t *testing.T) {
	infos := Stages()
	var names []string
	for _, s := range infos {
		names = append(names, s.Name)
		if s.Doc == "" {
			t.Errorf("stage %s has no doc", s.Name)
		}
		for _, o := range s.Options {
			if o.Doc == "" || o.Type == "" || o.Name == "" {
				t.Errorf("stage %s option %+v lacks name/type/doc", s.Name, o)
			}
		}
	}
	if d := cmp.Diff(config.DefaultStages, names); d != "" {
		t.Errorf("Stages() order (-want +got):\n%s", d)
	}
	got := map[string]string{}
	for _, s := range infos {
		for _, o := range s.Options {
			got[s.Name+"."+o.Name] = o.Default
		}
	}
	for k, v := range map[string]string{"filter.min_words": "50", "filter.require": "[title]", "filter.languages": "[]", "dedupe.threshold": "0.82", "normalize.ascii_quotes": "false"} {
		if got[k] != v {
			t.Errorf("default of %s = %q, want %q", k, got[k], v)
		}
	}
}

// test stages for the runner
type funcStage struct {
	name string
	fn   func(a *article.Article) (Verdict, error)
}

func (s funcStage) Name() string { return s.name }
func (s funcStage) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	return s.fn(a)
}

func TestRunnerCountsAndErrors(t *testing.T) {
	reg := NewRegistry()
	reg.RegisterFactory(StageInfo{Name: "upper"}, func(map[string]any, Env) (Stage, error) {
		return funcStage{"upper", func(a *article.Article) (Verdict, error) {
			up := strings.ToUpper(a.Title)
			if up == a.Title {
				return keep, nil
			}
			a.Title = up
			return keep, nil
		}}, nil
	})
	reg.RegisterFactory(StageInfo{Name: "fail"}, func(map[string]any, Env) (Stage, error) {
		return funcStage{"fail", func(a *article.Article) (Verdict, error) {
			if a.Title == "BOOM" {
				panic("boom")
			}
			if strings.HasPrefix(a.Title, "ERR") {
				return keep, errors.New("cannot")
			}
			return keep, nil
		}}, nil
	})
	reg.RegisterFactory(StageInfo{Name: "gate"}, func(map[string]any, Env) (Stage, error) {
		return funcStage{"gate", func(a *article.Article) (Verdict, error) {
			if strings.Contains(a.Title, "DROP") {
				return drop("duplicate_of https://example.org/" + a.Title), nil
			}
			return keep, nil
		}}, nil
	})
	r, err := reg.Build(config.Pipeline{Stages: []config.StageConfig{{Name: "upper"}, {Name: "fail"}, {Name: "gate"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, title := range []string{"a", "ERR b", "boom", "drop 1", "drop 2", "KEEP"} {
		a := art(title, sec("", 0, para("Body text.")))
		keep, reason := r.Process(ctx, a)
		wantKeep := !strings.Contains(strings.ToUpper(title), "DROP")
		if keep != wantKeep {
			t.Errorf("%q: keep = %v (%s)", title, keep, reason)
		}
		if !keep && reason != "gate: duplicate_of https://example.org/"+strings.ToUpper(title) {
			t.Errorf("%q: reason = %q", title, reason)
		}
		if a.Text != "Body text." || a.WordCount != 2 || a.ContentHash == "" {
			t.Errorf("%q: not finalized: %q %d %q", title, a.Text, a.WordCount, a.ContentHash)
		}
	}
	st := r.Stats()
	want := Stats{
		In: 6, Kept: 4,
		Dropped: map[string]int{"gate: duplicate_of": 2},
		Changed: map[string]int{"upper": 5},
		Errors:  map[string]int{"fail": 2},
	}
	if d := cmp.Diff(want, st, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Time" }, cmp.Ignore())); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
	if len(st.Time) != 3 {
		t.Errorf("stage times = %v", st.Time)
	}
	// Stats is a snapshot.
	st.Dropped["x"] = 1
	if _, ok := r.Stats().Dropped["x"]; ok {
		t.Error("Stats shares its maps with the runner")
	}
}

// Process must be safe for concurrent use; copies are dropped exactly once.
func TestRunnerConcurrent(t *testing.T) {
	r, err := Build(config.Pipeline{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := corpus()
	var wg sync.WaitGroup
	var mu sync.Mutex
	kept := 0
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, a := range recs {
				if ok, _ := r.Process(context.Background(), a.Clone()); ok {
					mu.Lock()
					kept++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	st := r.Stats()
	if st.In != 4*len(recs) || kept != st.Kept || st.Kept != len(recs) {
		t.Errorf("in=%d kept=%d (counted %d), want in=%d kept=%d; dropped %v", st.In, st.Kept, kept, 4*len(recs), len(recs), st.Dropped)
	}
	if st.Dropped["dedupe: duplicate_of"] != 3*len(recs) {
		t.Errorf("dropped = %v", st.Dropped)
	}
}

// Clean(Clean(a)) == Clean(a) through the whole default pipeline.
func TestDefaultPipelineIdempotent(t *testing.T) {
	for i, a := range corpus() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			first := a.Clone()
			r1, _ := Build(config.Pipeline{}, nil)
			if ok, reason := r1.Process(context.Background(), first); !ok {
				t.Fatalf("dropped: %s", reason)
			}
			second := first.Clone()
			r2, _ := Build(config.Pipeline{}, nil)
			if ok, reason := r2.Process(context.Background(), second); !ok {
				t.Fatalf("second pass dropped: %s", reason)
			}
			if d := cmp.Diff(first, second); d != "" {
				t.Errorf("not idempotent (-first +second):\n%s", d)
			}
			if got := r2.Stats().Changed; len(got) != 0 {
				t.Errorf("second pass changed records: %v", got)
			}
		})
	}
}

func ExampleBuild() {
	cfg := config.Pipeline{Stages: []config.StageConfig{
		{Name: "normalize"},
		{Name: "split_label_items"},
		{Name: "filter", Options: map[string]any{"min_words": 5}},
	}}
	r, err := Build(cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	a := &article.Article{Title: "Tips", Sections: []article.Section{{Blocks: []article.Block{
		{Type: "paragraph", Text: "Keep Moving:\u00a0Walk daily. Sleep Well: Rest eight hours."},
	}}}}
	keep, _ := r.Process(context.Background(), a)
	fmt.Println(keep)
	fmt.Println(a.Text)
	_, reason := r.Process(context.Background(), &article.Article{Title: "Stub"})
	fmt.Println(reason)
	// Output:
	// true
	// Keep Moving: Walk daily.
	// Sleep Well: Rest eight hours.
	// filter: too_short (0 words < 5)
}

// The runner skips Finalize only when the derived fields already match the sections.
func TestRunnerDerivedFields(t *testing.T) {
	r, err := Build(config.Pipeline{Stages: []config.StageConfig{{Name: "filter", Options: map[string]any{"min_words": 0}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fresh := func() *article.Article {
		a := art("T", sec("", 0, para("One two three.")), sec("Head", 2, list(item("L", "four"), item("", "five"))))
		a.Finalize()
		return a
	}
	want := fresh()
	for name, mutate := range map[string]func(a *article.Article){
		"finalized":        func(*article.Article) {},
		"stale text":       func(a *article.Article) { a.Sections[0].Blocks[0].Text = "Changed text here." },
		"stale hash":       func(a *article.Article) { a.ContentHash = strings.Repeat("0", 64) + "x" },
		"never finalized":  func(a *article.Article) { a.Text, a.WordCount, a.ContentHash, a.SchemaVersion = "", 0, "", 0 },
		"extra text":       func(a *article.Article) { a.Text += "\n\nmore" },
		"heading replaced": func(a *article.Article) { a.Sections[1].Heading = "Other" },
	} {
		a := fresh()
		mutate(a)
		check := a.Clone()
		check.Finalize()
		r.Process(ctx, a)
		if a.Text != check.Text || a.WordCount != check.WordCount || a.ContentHash != check.ContentHash || a.SchemaVersion != article.SchemaVersion {
			t.Errorf("%s: derived fields %q %d %q, want %q %d %q", name, a.Text, a.WordCount, a.ContentHash, check.Text, check.WordCount, check.ContentHash)
		}
	}
	if want.Text != "One two three.\n\nHead\n\nL: four\nfive" {
		t.Errorf("fixture text = %q", want.Text)
	}
}

// A table of contents (role toc) passes every default stage untouched — its
// "Label: text"-looking and glued-looking items are navigation, not prose — and
// stays out of text; the record is still judged on its prose.
func TestDefaultPipelineKeepsTOC(t *testing.T) {
	toc := article.Block{Type: article.BlockList, Role: article.RoleTOC, Items: []article.ListItem{
		{Text: "Symptoms: what to look for"}, {Text: "CausesTreatment"}, {Text: "Share this article"},
	}}
	prose := "Type 2 diabetes is a long-term condition in which the body does not use insulin properly. " +
		"Sugar builds up in the blood over many years, and most people have no symptoms at first. " +
		"Regular checks find it early, when diet and exercise alone can bring blood sugar back to normal."
	a := art("Type 2 diabetes", sec("", 0, toc, para(prose)), sec("Symptoms", 2, para("Thirst and tiredness are common early signs of the condition.")))
	r, err := Build(config.Pipeline{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, reason := r.Process(context.Background(), a); !ok {
		t.Fatalf("dropped: %s", reason)
	}
	got := a.Sections[0].Blocks[0]
	if d := cmp.Diff(toc, got); d != "" {
		t.Errorf("TOC block changed (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(a.Text, "Type 2 diabetes is") || strings.Contains(a.Text, "Symptoms: what") {
		t.Errorf("text = %q", a.Text)
	}
	if a.Language != "en" {
		t.Errorf("language = %q", a.Language)
	}
}
