package fetch

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/healthcrawl/healthcrawl/sample"
)

// BenchmarkRender renders the sample site's script pages with 1, 2 and 4 tabs and
// reports rendered pages/s and the memory of the Chromium processes (the largest
// proportional set size, PSS, of the browser and its children seen while the tabs
// are busy; and that divided by the tabs). The browser is started before the timer.
//
//	go test -run '^$' -bench BenchmarkRender -benchtime 40x ./fetch/
func BenchmarkRender(b *testing.B) {
	if _, err := FindChromium(""); err != nil {
		b.Skip("chromium not installed: render benchmark skipped")
	}
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	pages := sample.ScriptPaths()
	for _, tabs := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("tabs=%d", tabs), func(b *testing.B) {
			r := NewRenderer(RenderOptions{Parallelism: tabs})
			defer r.Close()
			if _, err := r.Fetch(context.Background(), Request{URL: srv.URL + pages[0]}); err != nil {
				b.Fatal(err)
			}
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				maxRSS  int64
				next    = make(chan int)
				errOnce sync.Once
				ferr    error
			)
			b.ResetTimer()
			for w := 0; w < tabs; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						if _, err := r.Fetch(context.Background(), Request{URL: srv.URL + pages[i%len(pages)]}); err != nil {
							errOnce.Do(func() { ferr = err })
						}
						if rss := treeRSS(r.BrowserPID()); rss > 0 {
							mu.Lock()
							maxRSS = max(maxRSS, rss)
							mu.Unlock()
						}
					}
				}()
			}
			for i := 0; i < b.N; i++ {
				next <- i
			}
			close(next)
			wg.Wait()
			b.StopTimer()
			if ferr != nil {
				b.Fatal(ferr)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
			b.ReportMetric(float64(maxRSS)/float64(tabs)/(1<<20), "MiB-PSS/tab")
			b.ReportMetric(float64(maxRSS)/(1<<20), "MiB-PSS")
		})
	}
}

// treeRSS is the memory (PSS), in bytes, of pid and its descendants (Linux /proc).
func treeRSS(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	children := map[int][]int{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		p, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], p)
	}
	var total int64
	var walk func(int)
	walk = func(p int) {
		// Pss: shared pages divided among the processes that map them, so that
		// the sum over the browser's processes is its real footprint.
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p)); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
					n, _ := strconv.ParseInt(f[1], 10, 64)
					total += n << 10
				}
			}
		}
		for _, c := range children[p] {
			walk(c)
		}
	}
	walk(pid)
	return total
}
