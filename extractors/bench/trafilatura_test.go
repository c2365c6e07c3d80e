package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A miniature go-trafilatura tree: the annotations are read from the Go map
// literal (whatever else the file holds) and scored as trafilatura's evaluation
// scores them.
func TestTrafilaturaSet(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, s string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("scripts/comparison/data.go", `package main

type ComparisonEntry struct {
	File    string
	With    []string
	Without []string
	Title   string
}

var comparisonData = map[string]ComparisonEntry{
	"https://clinic.example/news/flu": {
		File:    "flu.html",
		Title:   "ignored",
		With:    []string{"Walk-in flu vaccine clinics", "no appointment needed", "not in the page"},
		Without: []string{"All rights reserved", "Walk-in"},
	},
	"xhttps://broken.example/mock": {
		File:    "mock.html",
		With:    []string{"nothing here"},
		Without: []string{"Imprint"},
	},
}
`)
	para := "<p>Walk-in flu vaccine clinics open on Saturday in all district health centres, with no appointment needed for adults or children this winter.</p>"
	write("test-files/comparison/flu.html", `<html><head><title>Flu clinics open</title></head><body><main><h1>Flu clinics open</h1>`+
		strings.Repeat(para, 3)+`</main><footer>All rights reserved</footer></body></html>`)
	write("test-files/mock/mock.html", `<html><body><nav>Imprint</nav></body></html>`)

	entries, err := LoadTrafEntries(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].File != "flu.html" || len(entries[0].With) != 3 || len(entries[0].Without) != 2 {
		t.Fatalf("entries = %+v", entries)
	}
	proc, err := NewProcessor()
	if err != nil {
		t.Fatal(err)
	}
	s, err := runTrafilatura(context.Background(), proc, dir, 5)
	if err != nil {
		t.Fatal(err)
	}
	// flu: 2 found, 1 missed; "All rights reserved" absent, "Walk-in" kept.
	// mock: empty text → its With missed, its Without a true negative.
	if s.Pages != 2 || s.TP != 2 || s.FN != 2 || s.FP != 1 || s.TN != 2 || s.Empty != 1 {
		t.Fatalf("score = %+v", s)
	}
	if s.Precision != 2.0/3 || s.Recall != 0.5 || s.Accuracy != 4.0/7 {
		t.Errorf("precision %v recall %v accuracy %v", s.Precision, s.Recall, s.Accuracy)
	}
	if len(s.Worst) != 2 || s.Worst[0].File != "flu.html" || s.Worst[0].Cost != 2 {
		t.Errorf("worst = %+v", s.Worst)
	}
	if _, err := LoadTrafEntries(t.TempDir()); err == nil || !strings.Contains(err.Error(), "data.go") {
		t.Errorf("missing tree: err = %v", err)
	}
}
