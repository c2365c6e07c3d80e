package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/config"
)

// BenchmarkLanguage compares the language stage's paths on one English record:
// undeclared (whatlanggo on the 600-byte sample), declared and confirmed by function
// words (no detector), declared and contradicted (detector).
func BenchmarkLanguage(b *testing.B) {
	fast, err := DefaultRegistry.New("language", nil, Env{})
	if err != nil {
		b.Fatal(err)
	}
	slow, err := DefaultRegistry.New("language", map[string]any{"fast_path": false}, Env{})
	if err != nil {
		b.Fatal(err)
	}
	base := topicArticle("https://example.org/a", "A", 0, 24)
	for _, tc := range []struct {
		name, declared string
		st             Stage
	}{
		{"undeclared", "", fast}, {"declared_consistent", "en", fast}, {"declared_contradicted", "de", fast},
		{"detector_undeclared", "", slow}, {"detector_contradicted", "de", slow},
	} {
		st := tc.st
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				a := *base
				a.Language = tc.declared
				if _, err := st.Apply(context.Background(), &a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPipelineCorpus runs the default pipeline over the synthetic corpus.
func BenchmarkPipelineCorpus(b *testing.B) {
	recs := corpus()
	b.ReportAllocs()
	var r *Runner
	for i := 0; i < b.N; i++ {
		if i%len(recs) == 0 {
			b.StopTimer()
			r, _ = Build(config.Pipeline{}, nil)
			b.StartTimer()
		}
		r.Process(context.Background(), recs[i%len(recs)].Clone())
	}
}

// BenchmarkSimHash hashes a 10 KB English text.
func BenchmarkSimHash(b *testing.B) {
	a := topicArticle("https://example.org/a", "A", 0, 140)
	b.SetBytes(int64(len(a.Text)))
	for i := 0; i < b.N; i++ {
		SimHash(a.Text, 3)
	}
}

// BenchmarkAdversarial runs the text stages over 100 KB paragraphs built to defeat
// linear scans (no spaces, a glued boundary every few bytes, long label runs): the
// cost per byte must stay flat.
func BenchmarkAdversarial(b *testing.B) {
	inputs := map[string]string{
		"glued_no_spaces": strings.Repeat("A.Aa", 25000),
		"dots_domain":     strings.Repeat("x.Yy.", 20000),
		"labels":          strings.Repeat("Aa Bb: cc. ", 9000),
		"closing":         "a." + strings.Repeat(")", 100000) + " B",
	}
	r, err := Build(config.Pipeline{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for name, s := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for i := 0; i < b.N; i++ {
				a := art("T", sec("", 0, para(s)))
				r.Process(context.Background(), a)
			}
		})
	}
}
