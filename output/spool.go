package output

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

// Whole-file formats (json, csv, parquet) are only readable complete, so OpenSpec
// does not write them directly: the records go to a hidden JSON Lines spool beside
// the output, ".NAME.spool.jsonl", a Syncer whose position is committed like a
// jsonl output's (key SpecKey(spec)). A killed run leaves the spool; the resumed run
// cuts it back to the committed position and goes on. Close converts the spool —
// after the records of the existing output file, which a run without Overwrite
// keeps — into the final file (numbered parts under rotation) and removes the spool:
//
//  1. the final files are built complete (fsynced) in the hidden directory
//     ".NAME.merge" beside the output;
//  2. the spool is removed: this is the commit point;
//  3. the files of ".NAME.merge" are renamed into place and the directory removed.
//
// Opening the output again finishes an interrupted conversion: a merge directory
// without a spool is step 3 cut short and is completed; with the spool it is step 1
// cut short and is dropped. Stale temporary files ".NAME.tmp-*" are removed.

// SpoolPath is the spool of the whole-file output at path.
func SpoolPath(path string) string { return hiddenBeside(path, ".spool.jsonl") }

// mergeDir is where the final files of path are built before they are renamed.
func mergeDir(path string) string { return hiddenBeside(path, ".merge") }

func hiddenBeside(path, suffix string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+base+suffix)
}

// spoolSink is a whole-file output being written to its spool.
type spoolSink struct {
	*JSONLFileSink
	pf    PathFormat
	spec  Spec
	spool string
	once  sync.Once
	err   error
}

// openSpooled opens the spool of the whole-file output of spec (see above).
func (r *Registry) openSpooled(ctx context.Context, spec Spec, pf PathFormat, m fileMode, key string) (Sink, error) {
	path := spec.Path
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	if err := recoverMerge(path); err != nil {
		return nil, err
	}
	removeStaleTemps(path, spec.Rotate.Enabled())
	spool := SpoolPath(path)
	if m.overwrite {
		if err := removeFinal(path, spec.Rotate.Enabled()); err != nil {
			return nil, err
		}
	}
	if m.resume != nil {
		if _, err := os.Stat(spool); errors.Is(err, os.ErrNotExist) && finalExists(path, spec.Rotate.Enabled()) {
			// The interrupted run had finished converting its spool: every record it
			// committed is in the final file.
			slog.Info("output: spool already converted; starting a new one", "path", path)
			m.resume = nil
		}
	}
	js, err := openJSONLFile(spool, m, key)
	if err != nil {
		return nil, err
	}
	return &spoolSink{JSONLFileSink: js, pf: pf, spec: spec, spool: spool}, nil
}

// Close converts the spool into the final file and removes it; idempotent. On
// failure the spool is kept (and converted by a later Close of the output).
func (s *spoolSink) Close(ctx context.Context) error {
	s.once.Do(func() {
		if err := s.JSONLFileSink.Close(ctx); err != nil {
			s.err = err
			return
		}
		s.err = s.finish(context.WithoutCancel(ctx))
	})
	return s.err
}

// Abort closes the spool without converting it: its records stay for a later run.
// A spool holding nothing is removed.
func (s *spoolSink) Abort() error {
	s.once.Do(func() {
		s.err = s.JSONLFileSink.Close(context.Background())
		if st, err := os.Stat(s.spool); err == nil && st.Size() == 0 {
			_ = os.Remove(s.spool)
		}
	})
	return s.err
}

// finish runs the conversion steps 1–3.
func (s *spoolSink) finish(ctx context.Context) error {
	path, rotated := s.spec.Path, s.spec.Rotate.Enabled()
	st, err := os.Stat(s.spool)
	if err != nil {
		return fmt.Errorf("finalise output %s: %w", path, err)
	}
	exists := finalExists(path, rotated)
	if st.Size() == 0 && (rotated || exists) {
		return removeSynced(s.spool) // nothing new
	}
	md := mergeDir(path)
	if err := os.RemoveAll(md); err != nil {
		return fmt.Errorf("finalise output %s: %w", path, err)
	}
	if err := os.Mkdir(md, 0o755); err != nil {
		return fmt.Errorf("finalise output %s: %w", path, err)
	}
	if err := s.build(ctx, filepath.Join(md, filepath.Base(path)), exists); err != nil {
		_ = os.RemoveAll(md)
		return fmt.Errorf("finalise output %s (its records stay in %s): %w", path, s.spool, err)
	}
	if err := removeSynced(s.spool); err != nil {
		_ = os.RemoveAll(md)
		return err
	}
	return promote(path)
}

// build writes the final file(s) at target: the existing records (not rotated),
// then the spool's.
func (s *spoolSink) build(ctx context.Context, target string, exists bool) error {
	var dst Sink
	var err error
	if s.spec.Rotate.Enabled() {
		dst, err = newRotatingFrom(target, s.spec.Rotate, lastNumbered(s.spec.Path), s.pf.Open)
	} else {
		dst, err = s.pf.Open(target)
	}
	if err != nil {
		return err
	}
	if exists && !s.spec.Rotate.Enabled() {
		err = copyExisting(ctx, s.pf.Name, s.spec.Path, dst)
	}
	if err == nil {
		err = Read(ctx, "jsonl", s.spool, func(a *article.Article) error { return dst.Write(ctx, a) })
	}
	if err != nil {
		Abort(ctx, dst)
		return err
	}
	return dst.Close(ctx)
}

// copyExisting writes the records of the existing output file at path to dst: csv
// rows as they are (mapped by header onto CSVColumns), json and parquet through Read.
func copyExisting(ctx context.Context, format, path string, dst Sink) error {
	if format == "csv" {
		cs, ok := dst.(*CSVSink)
		if !ok {
			return fmt.Errorf("keep records of %s: csv sink is %T", path, dst)
		}
		return ReadCSVRows(ctx, path, cs.WriteRow)
	}
	return Read(ctx, format, path, func(a *article.Article) error { return dst.Write(ctx, a) })
}

// recoverMerge finishes or drops a conversion a killed process left (see above).
func recoverMerge(path string) error {
	md := mergeDir(path)
	if _, err := os.Stat(md); err != nil {
		return nil
	}
	if _, err := os.Stat(SpoolPath(path)); err == nil {
		if err := os.RemoveAll(md); err != nil {
			return fmt.Errorf("open output %s: drop unfinished conversion: %w", path, err)
		}
		return nil
	}
	return promote(path)
}

// promote renames the built files of path's merge directory into place and removes it.
func promote(path string) error {
	md := mergeDir(path)
	entries, err := os.ReadDir(md)
	if err != nil {
		return fmt.Errorf("finalise output %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	for _, e := range entries {
		if isTemp(e.Name()) {
			continue
		}
		if err := os.Rename(filepath.Join(md, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("finalise output %s: %w", path, err)
		}
	}
	syncDir(dir)
	if err := os.RemoveAll(md); err != nil {
		return fmt.Errorf("finalise output %s: %w", path, err)
	}
	return nil
}

func isTemp(name string) bool { return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-") }

// removeStaleTemps removes the temporary files ".NAME.tmp-*" a killed process left
// for path (and its numbered parts).
func removeStaleTemps(path string, rotated bool) {
	pats := []string{filepath.Join(filepath.Dir(path), tempPattern(path))}
	if rotated {
		part := filepath.Base(NumberedPath(path, 0))
		part = strings.Replace(part, "-00000", "-*", 1)
		pats = append(pats, filepath.Join(filepath.Dir(path), "."+part+".tmp-*"))
	}
	for _, pat := range pats {
		matches, _ := filepath.Glob(pat)
		for _, m := range matches {
			if err := os.Remove(m); err == nil {
				slog.Info("output: removed a stale temporary file", "path", m)
			}
		}
	}
}

// finalExists reports whether the output file (or a numbered part) exists.
func finalExists(path string, rotated bool) bool {
	if rotated {
		return lastNumbered(path) > 0
	}
	_, err := os.Stat(path)
	return err == nil
}

// removeFinal removes the output file, or its numbered parts (Overwrite).
func removeFinal(path string, rotated bool) error {
	if rotated {
		return removeParts(path, 1, lastNumbered(path))
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("overwrite output %s: %w", path, err)
	}
	return nil
}

// removeSynced removes path and syncs its directory.
func removeSynced(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return nil
}
