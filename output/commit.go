package output

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Write-then-commit (see store.Committer): the crawler writes a batch of records to
// its sink, calls SyncAll, and commits the returned positions with the batch's
// verdicts in the crawl state. A resumed run opens each appendable output with
// Spec.Resume set to its committed position: the file is truncated back to it, so
// whatever a killed process wrote after its last commit (a torn line, records not
// committed) is gone before the records are written again.

// Position is where a sink's committed content ends: the number of the rotation
// part being written (0 without rotation) and the byte offset in that file.
type Position struct {
	Part   int
	Offset int64
}

// String encodes p as "PART:OFFSET".
func (p Position) String() string {
	return strconv.Itoa(p.Part) + ":" + strconv.FormatInt(p.Offset, 10)
}

// ParsePosition decodes Position.String.
func ParsePosition(s string) (Position, error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return Position{}, fmt.Errorf("sink position %q: want PART:OFFSET", s)
	}
	part, err1 := strconv.Atoi(a)
	off, err2 := strconv.ParseInt(b, 10, 64)
	if err := errors.Join(err1, err2); err != nil || part < 0 || off < 0 {
		return Position{}, fmt.Errorf("sink position %q: want PART:OFFSET", s)
	}
	return Position{Part: part, Offset: off}, nil
}

// Syncer is a sink whose committed content is located by a Position (jsonl,
// jsonl.gz, rotated parts).
type Syncer interface {
	// Key names the sink stably across runs (see SpecKey).
	Key() string
	// Sync writes out and fsyncs every record written so far and returns the
	// position just after the last one.
	Sync(ctx context.Context) (Position, error)
}

// Flusher is a sink that makes the records written so far durable without a
// position (a sqlite database upserting on URL, one file per record, stdout).
type Flusher interface {
	Flush(ctx context.Context) error
}

// SpecKey is the key of the sink opened from spec: its format and absolute path.
func SpecKey(spec Spec) string {
	format := spec.Format
	if format == "" {
		format = FormatForPath(spec.Path)
	}
	p := spec.Path
	if p != "-" {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
	}
	return format + ":" + p
}

// members lists the sinks of s (the members of a MultiSink, else s).
func members(s Sink) []Sink {
	if m, ok := s.(*MultiSink); ok {
		return m.sinks
	}
	return []Sink{s}
}

// SyncAll makes every record written to s so far durable: each Syncer member is
// synced and its position returned under its key; each Flusher is flushed. The
// errors of all members are joined.
func SyncAll(ctx context.Context, s Sink) (map[string]string, error) {
	if s == nil {
		return nil, nil
	}
	pos := map[string]string{}
	var errs []error
	for _, m := range members(s) {
		switch x := m.(type) {
		case Syncer:
			p, err := x.Sync(ctx)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			pos[x.Key()] = p.String()
		case Flusher:
			if err := x.Flush(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return pos, errors.Join(errs...)
}
