package main

// Stopping on SIGINT/SIGTERM: the first signal stops the crawl softly (no new
// pages; those in flight run for crawl.stop_grace, then are cancelled and queued
// again), the second cancels what is in flight at once, a third kills the process
// (the default action is restored). A stop asked this way exits 128 + the signal
// number: 130 for SIGINT, 143 for SIGTERM.

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/healthcrawl/healthcrawl/crawler"
)

// stopSignals are the signals that stop a command.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// stopper counts the stop signals and holds the two stop levels: the context of
// the command (cancelled by the first signal) and the hard stop (the second).
type stopper struct {
	cancel   context.CancelFunc // the command's context
	hard     context.Context    // done on the second signal
	stopHard context.CancelFunc
	ch       chan os.Signal
	done     chan struct{}

	mu     sync.Mutex
	first  os.Signal
	count  int
	notice func(string) // prints one line to the user (stderr, above the progress line)
	jobs   map[int]func() crawler.ProgressSnapshot
	nextID int
}

type stopperKey struct{}

// newStopper returns the command's context, cancelled by the first stop signal
// handled by the returned stopper (its listen starts listening).
func newStopper(parent context.Context) (context.Context, *stopper) {
	ctx, cancel := context.WithCancel(parent)
	hard, stopHard := context.WithCancel(context.WithoutCancel(parent))
	s := &stopper{cancel: cancel, hard: hard, stopHard: stopHard, jobs: map[int]func() crawler.ProgressSnapshot{},
		notice: func(msg string) { fmt.Fprintln(os.Stderr, msg) }}
	return context.WithValue(ctx, stopperKey{}, s), s
}

// stopperFrom is the stopper of the command's context; nil (tests, a context
// without one) has no signals, no hard stop and exit status 0.
func stopperFrom(ctx context.Context) *stopper {
	s, _ := ctx.Value(stopperKey{}).(*stopper)
	return s
}

// listen relays SIGINT and SIGTERM to the stopper until close.
func (s *stopper) listen() {
	s.ch = make(chan os.Signal, 4)
	s.done = make(chan struct{})
	signal.Notify(s.ch, stopSignals...)
	go func() {
		for {
			select {
			case sig := <-s.ch:
				s.handle(sig)
			case <-s.done:
				return
			}
		}
	}()
}

// close stops listening.
func (s *stopper) close() {
	if s.ch != nil {
		signal.Stop(s.ch)
		close(s.done)
	}
	s.cancel()
	s.stopHard()
}

// handle is one stop signal: the first cancels the command's context and says
// what happens; the second cancels what is in flight and restores the default
// action of the signals, so a third one kills the process.
func (s *stopper) handle(sig os.Signal) {
	s.mu.Lock()
	s.count++
	n := s.count
	if n == 1 {
		s.first = sig
	}
	inFlight := 0
	for _, cur := range s.jobs {
		inFlight += cur().InFlight
	}
	notice := s.notice
	s.mu.Unlock()
	again := "Ctrl-C again to stop now"
	if sig == syscall.SIGTERM {
		again = "SIGTERM again to stop now"
	}
	switch n {
	case 1:
		notice(fmt.Sprintf("stopping: finishing %s in flight (%s)", countNoun(inFlight, "page", "pages"), again))
		s.cancel()
	case 2:
		notice(fmt.Sprintf("stopping now: cancelling %s in flight (queued again); a third signal kills the process", countNoun(inFlight, "page", "pages")))
		s.stopHard()
		signal.Reset(stopSignals...)
	}
}

// setNotice sets where the stop messages go.
func (s *stopper) setNotice(f func(string)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.notice = f
	s.mu.Unlock()
}

// hardStop is the context whose end cancels the pages in flight at once
// (crawler.JobOptions.Hard); nil without a stopper.
func (s *stopper) hardStop() context.Context {
	if s == nil {
		return nil
	}
	return s.hard
}

// track registers a crawl's counters (crawler.JobOptions.OnStart) so the stop
// message counts its pages in flight; untrack forgets them when the crawl is over.
func (s *stopper) track() (onStart func(func() crawler.ProgressSnapshot), untrack func()) {
	if s == nil {
		return nil, func() {}
	}
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	s.mu.Unlock()
	return func(cur func() crawler.ProgressSnapshot) {
			s.mu.Lock()
			s.jobs[id] = cur
			s.mu.Unlock()
		}, func() {
			s.mu.Lock()
			delete(s.jobs, id)
			s.mu.Unlock()
		}
}

// signal is the first stop signal received, nil if none.
func (s *stopper) signal() os.Signal {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

// exitStatus is the exit status of a command stopped by a signal: 128 + its
// number (130 SIGINT, 143 SIGTERM), as shells report a process killed by it; 0
// when no stop signal came.
func (s *stopper) exitStatus() int {
	switch s.signal() {
	case nil:
		return 0
	case syscall.SIGTERM:
		return exitSIGTERM
	default:
		return exitSIGINT
	}
}

// signalName is SIGINT or SIGTERM ("" for nil).
func signalName(sig os.Signal) string {
	switch sig {
	case nil:
		return ""
	case syscall.SIGTERM:
		return "SIGTERM"
	case os.Interrupt:
		return "SIGINT"
	}
	return sig.String()
}
