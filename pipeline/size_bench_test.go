package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

// sizedArticle is a record of about size bytes of distinct text: numbered topic
// sentences in paragraphs of four, a heading every eight, a list every 64.
func sizedArticle(size int) *article.Article {
	a := &article.Article{URL: fmt.Sprintf("https://example.org/size-%d", size), Title: "Lower back pain: a long guide", PageType: article.PageArticle, Language: "en"}
	cur := article.Section{}
	var p []string
	n := 0
	for total := 0; total < size; n++ {
		s := fmt.Sprintf("%s (note %d)", topicSentences[n%len(topicSentences)], n)
		total += len(s) + 1
		p = append(p, s)
		if len(p) == 4 {
			cur.Blocks = append(cur.Blocks, article.Block{Type: article.BlockParagraph, Text: strings.Join(p, " ")})
			p = nil
		}
		if (n+1)%64 == 0 {
			cur.Blocks = append(cur.Blocks, article.Block{Type: article.BlockList, Items: []article.ListItem{
				{Text: fmt.Sprintf("Rest for a short while (%d)", n)}, {Text: fmt.Sprintf("Keep moving gently (%d)", n)}}})
		}
		if (n+1)%8 == 0 {
			a.Sections = append(a.Sections, cur)
			cur = article.Section{Heading: fmt.Sprintf("Part %d of the guide", (n+1)/8+1), Level: 2}
		}
	}
	if len(p) > 0 {
		cur.Blocks = append(cur.Blocks, article.Block{Type: article.BlockParagraph, Text: strings.Join(p, " ")})
	}
	a.Sections = append(a.Sections, cur)
	a.Finalize()
	return a
}

// BenchmarkPipelineSize runs the default pipeline over one record of 10 KB, 1 MB
// and 20 MB (a fresh Runner each time: the dedupe stage keeps what it saw) and
// reports the cost per byte of text, in all and per stage (issue 17: flat from 10 KB
// to 20 MB).
//
//	go test -run '^$' -bench BenchmarkPipelineSize -benchtime 3x ./pipeline/
func BenchmarkPipelineSize(b *testing.B) {
	for _, size := range []int{10 << 10, 1 << 20, 20 << 20} {
		base := sizedArticle(size)
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			b.ReportAllocs()
			var total Stats
			total.Time = map[string]time.Duration{}
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				r, err := Build(config.Pipeline{}, nil)
				if err != nil {
					b.Fatal(err)
				}
				a := base.Clone()
				b.StartTimer()
				if keep, why := r.Process(context.Background(), a); !keep {
					b.Fatalf("dropped: %s", why)
				}
				for k, v := range r.Stats().Time {
					total.Time[k] += v
				}
			}
			bytes := float64(len(base.Text)) * float64(b.N)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/bytes, "ns/byte")
			names := make([]string, 0, len(total.Time))
			for k := range total.Time {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				if v := float64(total.Time[k].Nanoseconds()) / bytes; v >= 0.05 {
					b.ReportMetric(v, k+"_ns/byte")
				}
			}
		})
	}
}
