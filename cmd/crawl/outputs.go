package main

import (
	"context"
	"fmt"
	"io"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/store"
)

// outputOptions say how a command opens its outputs (openOutputs).
type outputOptions struct {
	// stdout is where a path "-" writes; nil = "-" is refused (crawl schedule).
	stdout io.Writer
	// appendTo continues what the outputs hold (output.Spec.Append): a resumed run
	// (crawl run), or every run of crawl schedule (a run resumed at a later tick
	// expands to the interrupted run's paths and continues its files).
	appendTo bool
	// positions are the outputs' positions committed by the interrupted run this
	// one resumes, by output.SpecKey (see committedPositions); with appendTo, each
	// output is cut back to its position before writing. nil = nothing is cut.
	positions map[string]string
}

// openOutputs is the one way every command (run, schedule, demo, extract) opens
// the outputs of a config: output.path/format and every output.sinks entry, each
// with output.rotate and output.overwrite, written together (output.NewMulti).
// Placeholders ({site}, {run}, {date}) must be expanded before (expandOutput for
// crawl run, schedule.ExpandOutput for a scheduled job). When one output cannot be
// opened, those already open are aborted. An unusable format is exit status 2; a
// file that cannot be created is exit status 1 naming the path.
func openOutputs(ctx context.Context, out config.Output, opts outputOptions) (output.Sink, error) {
	specs, err := outputSpecs(out, opts.appendTo)
	if err != nil {
		return nil, err
	}
	for i := range specs {
		raw, ok := opts.positions[output.SpecKey(specs[i])]
		if !ok || !opts.appendTo {
			continue
		}
		p, err := output.ParsePosition(raw)
		if err != nil {
			return nil, failure(fmt.Errorf("output %s: committed position in the state: %w", specs[i].Path, err))
		}
		specs[i].Resume = &p
	}
	var sinks []output.Sink
	fail := func(err error) (output.Sink, error) {
		for _, s := range sinks {
			output.Abort(context.WithoutCancel(ctx), s)
		}
		return nil, err
	}
	for _, sp := range specs {
		if sp.Path == "-" {
			if opts.stdout == nil {
				return fail(usageError("output %q: standard output is not available here (give a file path)", sp.Path))
			}
			s, err := output.NewSpec(sp, opts.stdout)
			if err != nil {
				return fail(usageError("%w", err))
			}
			sinks = append(sinks, s)
			continue
		}
		s, err := output.OpenSpec(ctx, sp)
		if err != nil {
			return fail(failure(err))
		}
		sinks = append(sinks, s)
	}
	return output.NewMulti(sinks...), nil
}

// outputSpecs are the specs of output.path and every output.sinks entry, each with
// its format resolved (output.ResolveFormat: given, else named by the path's
// extension, else jsonl).
func outputSpecs(out config.Output, appendTo bool) ([]output.Spec, error) {
	rot := output.Rotate{MaxRecords: out.Rotate.MaxRecords, MaxBytes: out.Rotate.MaxBytes}
	var specs []output.Spec
	for _, s := range append([]config.Sink{{Path: out.Path, Format: out.Format}}, out.Sinks...) {
		f, err := output.ResolveFormat(s.Path, s.Format)
		if err != nil {
			return nil, usageError("output %q: %w", s.Path, err)
		}
		specs = append(specs, output.Spec{Path: s.Path, Format: f, Rotate: rot, Append: appendTo, Overwrite: out.Overwrite, CSVRaw: out.CSVRaw})
	}
	return specs, nil
}

// committedPositions are the outputs' positions the worker's interrupted run
// committed in the state (by output.SpecKey), for openOutputs; nil when the run is
// not a resumed one.
func committedPositions(ctx context.Context, st store.Store, worker string, resuming bool) (map[string]string, error) {
	if !resuming || st == nil {
		return nil, nil
	}
	pos, err := st.Positions(ctx, worker)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	return pos, nil
}
