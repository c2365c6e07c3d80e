package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestTmpMissing(t *testing.T) {
	name := os.Getenv("RDPAGE")
	d := sharedDir(t)
	proc, _, _ := NewProcessorLenient()
	pdir := filepath.Join(d, "readability-pages", "pages", name)
	src, _ := os.ReadFile(filepath.Join(pdir, "source.html"))
	exp, _ := os.ReadFile(filepath.Join(pdir, "expected.html"))
	_, a, _, _ := proc.ProcessRaw(context.Background(), readabilityURL, src)
	var hs, items []string
	for _, s := range a.Sections {
		if s.Heading != "" {
			hs = append(hs, Norm(s.Heading))
		}
		for _, b := range s.Blocks {
			for _, it := range b.Items {
				items = append(items, Norm(it.ItemText()))
			}
		}
	}
	for _, r := range a.References {
		items = append(items, Norm(r.Text))
	}
	eh, ei, _, _ := expectedStructure(exp)
	show := func(kind string, want, got []string) {
		j := 0
		for _, w := range want {
			found := false
			for k := j; k < len(got); k++ {
				if got[k] == w {
					j = k + 1
					found = true
					break
				}
			}
			if !found {
				fmt.Printf("MISS %s %.120q\n", kind, w)
			}
		}
	}
	show("H", eh, hs)
	show("I", ei, items)
}
