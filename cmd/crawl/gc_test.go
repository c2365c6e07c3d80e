package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gcPercent reads the GC percent without changing it.
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

func TestGCPolicyPercent(t *testing.T) {
	p := defaultGCPolicy
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 50}, {10 << 20, 50}, {48 << 20, 50}, {60 << 20, 40}, {70 << 20, 34}, {96 << 20, 25}, {1 << 30, 25},
	} {
		if got := p.percent(c.live); got != c.want {
			t.Errorf("percent(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}

func TestStartGCPolicy(t *testing.T) {
	orig := debug.SetGCPercent(77)
	defer debug.SetGCPercent(orig)
	// GOGC set: the user's setting stays.
	startGCPolicy(func(k string) (string, bool) { return "77", k == "GOGC" })()
	if got := debug.SetGCPercent(77); got != 77 {
		t.Fatalf("GOGC set: GC percent changed to %d", got)
	}
	// Unset: the policy starts at its max (a small heap collects as Go would).
	stop := startGCPolicy(func(string) (string, bool) { return "", false })
	if got := debug.SetGCPercent(defaultGCPolicy.max); got != defaultGCPolicy.max {
		t.Fatalf("GOGC unset: GC percent %d, want %d", got, defaultGCPolicy.max)
	}
	// A collection of a heap of ~80 MiB live: the policy lowers the percent.
	ballast := make([]*[1 << 20]byte, 80)
	for i := range ballast {
		ballast[i] = new([1 << 20]byte)
	}
	var got int
	for range 50 {
		runtime.GC()
		time.Sleep(3 * defaultGCPolicy.every)
		if got = gcPercent(); got < defaultGCPolicy.max {
			break
		}
	}
	stop()
	runtime.KeepAlive(ballast)
	if got >= defaultGCPolicy.max || got < defaultGCPolicy.min {
		t.Fatalf("GC percent with ~80 MiB live: %d, want below %d", got, defaultGCPolicy.max)
	}
}
