package schedule

import "github.com/healthcrawl/healthcrawl/crawler"

// CrawlProgress is the Result of a crawler run so far, for Job.Report (from
// crawler.JobOptions.OnProgress).
func CrawlProgress(p crawler.ProgressSnapshot) Result {
	return Result{Fetched: p.Fetched, Articles: p.Articles, Errors: p.Failures, Bytes: p.Bytes,
		Queued: max(p.Queued, 0), URLs: p.Categories}
}

// CrawlResult is the Result of a finished crawler run: sum, with the byte count of
// its last progress snapshot (the Done one).
func CrawlResult(sum crawler.Summary, last crawler.ProgressSnapshot) Result {
	res := Result{Fetched: sum.Fetched, Articles: sum.Articles, Errors: sum.Reasons[crawler.CatFailed],
		Bytes: last.Bytes, Queued: sum.Pending, URLs: sum.Categories, Changes: map[string]int{}}
	for ch, n := range map[string]int{"new": sum.New, "changed": sum.Changed, "unchanged": sum.Unchanged, "gone": sum.Gone} {
		if n > 0 {
			res.Changes[ch] = n
		}
	}
	return res
}
