package crawler

import (
	"testing"
	"time"
)

// The one retry wait of fetches and robots.txt: exponential backoff with jitter,
// capped; a longer Retry-After wins, capped by maxRetryAfter; a shorter one or an
// unparsable one leaves the backoff.
func TestRetryPolicyWait(t *testing.T) {
	p := retryPolicy{base: 100 * time.Millisecond, maxBackoff: time.Second, maxRetryAfter: 3 * time.Second}
	for _, tt := range []struct {
		attempt  int
		header   string
		min, max time.Duration
	}{
		{1, "", 100 * time.Millisecond, 150 * time.Millisecond},
		{3, "", 400 * time.Millisecond, 600 * time.Millisecond},
		{6, "", time.Second, time.Second},
		{1, "2", 2 * time.Second, 2 * time.Second},
		{1, "3600", 3 * time.Second, 3 * time.Second},
		{3, "0", 400 * time.Millisecond, 600 * time.Millisecond},
		{1, "soon", 100 * time.Millisecond, 150 * time.Millisecond},
	} {
		for range 20 {
			if d := p.wait(tt.attempt, tt.header); d < tt.min || d > tt.max {
				t.Fatalf("wait(%d, %q) = %v, want in [%v, %v]", tt.attempt, tt.header, d, tt.min, tt.max)
			}
		}
	}
}
