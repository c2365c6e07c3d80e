package extractors

import "runtime"

// yield lets a goroutine waiting for a CPU run between the extractor's phases
// (parse, analysis, metadata, content, emit). A crawl extracts pages on the cores
// that also carry its requests: without a yield, a request whose response has
// arrived waits for a whole extraction (up to a millisecond on a 5 KB page) before
// a core reads it. On 2 cores that held each request slot ~4 % longer and cost
// the crawl 4 % of its pages/s against bare colly, with its slots busy 99.7 % of
// the time either way (issue 17). runtime.Gosched costs ~100 ns when nothing
// waits.
func yield() { runtime.Gosched() }
