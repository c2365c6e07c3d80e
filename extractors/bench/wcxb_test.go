package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A miniature WCXB tree: two pages, scored as score_wcxb.py scores them; when
// python3 and the shared scorer are present, the two must print the same figures.
func TestWCXBMiniature(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string, b []byte) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	para := "<p>Walk-in flu vaccine clinics open on Saturday in all district health centres, with no appointment needed for adults or children this winter.</p>"
	write("dev/html/0001.html.gz", gz(`<html><head><title>Flu clinics open</title>
<meta property="article:published_time" content="2025-10-02T08:00:00Z"><meta name="author" content="Ann Lee"></head>
<body><main><h1>Flu clinics open</h1>`+strings.Repeat(para, 3)+`</main><footer>All rights reserved</footer></body></html>`))
	write("dev/ground-truth/0001.json", []byte(`{"url":"https://health.example/flu","_internal":{"page_type":{"primary":"article"}},
"ground_truth":{"title":"Flu clinics open","author":"Ann Lee","publish_date":"2025-10-02",
"main_content":"Walk-in flu vaccine clinics open on Saturday in all district health centres, with no appointment needed for adults or children this winter.",
"with":["no appointment needed"],"without":["All rights reserved"]}}`))
	write("dev/html/0002.html.gz", gz(`<html><body><nav>Shop</nav><ul><li><a href="/a">A</a></li></ul></body></html>`))
	write("dev/ground-truth/0002.json", []byte(`{"url":"https://shop.example/","_internal":{"page_type":{"primary":"category"}},
"ground_truth":{"title":"Shop everything","author":null,"publish_date":null,"main_content":"Shop everything we sell","with":["Shop everything"],"without":[]}}`))
	write("dev/ground-truth/0003.json", []byte(`{"url":"https://x.example/","ground_truth":"not an object"}`))

	proc, err := NewProcessor()
	if err != nil {
		t.Fatal(err)
	}
	pred := filepath.Join(dir, "pred.json")
	s, err := runWCXB(context.Background(), proc, dir, pred)
	if err != nil {
		t.Fatal(err)
	}
	if s.All.Pages != 2 || s.ByType["collection"] == nil || s.ByType["article"].Pages != 1 {
		t.Fatalf("pages: %+v", s)
	}
	art := s.ByType["article"]
	if art.TitleOK != 1 || art.AuthorOK != 1 || art.DateOK != 1 || art.F1 < 0.49 || art.WithoutRate != 0 {
		t.Fatalf("article group: %+v", art)
	}
	if c := s.ByType["collection"]; c.TitleN != 1 || c.TitleOK != 0 || c.AuthorN != 0 {
		t.Fatalf("collection group: %+v", c)
	}
	var preds map[string]WCXBPred
	b, err := os.ReadFile(pred)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &preds); err != nil || preds["0001"].Title != "Flu clinics open" {
		t.Fatalf("predictions file: %v %s", err, b)
	}

	script := filepath.Join("..", "..", "..", "shared", "tools", "score_wcxb.py")
	py, err := exec.LookPath("python3")
	if _, serr := os.Stat(script); err != nil || serr != nil {
		t.Log("python3 or score_wcxb.py absent: cross-check skipped")
		return
	}
	out, err := exec.Command(py, script, pred, dir, "--splits", "dev", "--json").Output()
	if err != nil {
		t.Fatalf("score_wcxb.py: %v", err)
	}
	var res struct {
		Groups map[string]struct {
			F1    float64 `json:"f1"`
			Title struct {
				Correct int `json:"correct"`
				Judged  int `json:"judged"`
			} `json:"title"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	all := res.Groups["all"]
	if d := all.F1 - s.All.F1; d > 1e-9 || d < -1e-9 || all.Title.Correct != s.All.TitleOK || all.Title.Judged != s.All.TitleN {
		t.Fatalf("score_wcxb.py all = %+v, ours F1 %v title %d/%d", all, s.All.F1, s.All.TitleOK, s.All.TitleN)
	}
}
