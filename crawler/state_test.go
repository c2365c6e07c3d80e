package crawler

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/configs"
	"github.com/healthcrawl/healthcrawl/internal/condsite"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/healthcrawl/healthcrawl/store"
)

// sampleConfig is configs/demo.yaml for the sample site at base.
func sampleConfig(t *testing.T, base string) config.Config {
	t.Helper()
	cfg, err := config.LoadBytes(bytes.ReplaceAll(configs.Demo(), []byte("{{BASE}}"), []byte(base)), config.LoadOptions{})
	if err != nil {
		t.Fatalf("demo config: %v", err)
	}
	cfg.Crawl.Delay = 0
	cfg.Crawl.Parallelism = 2
	return cfg
}

// crawlTo runs one crawl of cfg with the state store st, writing JSON Lines to path.
func crawlTo(t *testing.T, ctx context.Context, cfg config.Config, st store.Store, path string) Summary {
	t.Helper()
	sink, err := output.Open(ctx, "jsonl", path)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: sink, Store: st, Logger: testLogger(t)})
	if cerr := sink.Close(context.Background()); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatalf("crawl: %v", err)
	}
	return sum
}

// readRecords reads the whole lines of a JSON Lines file.
func readRecords(t *testing.T, path string) []article.Article {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []article.Article
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var a article.Article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("%s: bad line %q: %v", path, sc.Text(), err)
		}
		out = append(out, a)
	}
	return out
}

func pathOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// The child process of TestResumeAfterKill: crawls with the state and output it is
// given until the parent kills it.
func resumeChild() {
	cfgJSON, statePath, out := os.Getenv("HC_CHILD_CONFIG"), os.Getenv("HC_CHILD_STATE"), os.Getenv("HC_CHILD_OUT")
	var cfg config.Config
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "child config:", err)
		os.Exit(3)
	}
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, statePath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	spec, err := resumeSpec(ctx, st, out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	sink, err := output.OpenSpec(ctx, spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	_, err = RunJob(ctx, JobOptions{Config: cfg, Sink: sink, Store: st})
	sink.Close(ctx)
	st.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// childOrSkip, first in a test that starts children (startChild): in a child it
// crawls (resumeChild, which exits); in the parent it skips t with -short.
func childOrSkip(t *testing.T) {
	if os.Getenv("HC_CHILD_STATE") != "" {
		resumeChild() // exits
	}
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
}

// child is this test binary running one crawl (resumeChild) in another process.
type child struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	exited chan error // gets Wait's result
}

// startChild starts the test binary running only test, whose first step must be
// resumeChild: it crawls cfg with the SQLite state at statePath, appending to out.
func startChild(t *testing.T, test string, cfg config.Config, statePath, out string) *child {
	t.Helper()
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: exec.Command(os.Args[0], "-test.run="+test), exited: make(chan error, 1)}
	c.cmd.Env = append(os.Environ(), "HC_CHILD_CONFIG="+string(cfgJSON), "HC_CHILD_STATE="+statePath, "HC_CHILD_OUT="+out)
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	return c
}

// kill SIGKILLs the child and fails t unless the signal is what ended it (it did
// not finish its crawl before).
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-c.exited
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed by SIGKILL (err %v): it finished the crawl before\n%s", err, c.stderr.String())
	}
}

// resumeSpec is the JSON Lines output at path for a run on st: appended to, after
// a cut back to the position the last run committed, if any.
func resumeSpec(ctx context.Context, st store.Store, path string) (output.Spec, error) {
	spec := output.Spec{Path: path, Append: true}
	pos, err := st.Positions(ctx, DefaultWorker)
	if err != nil {
		return spec, err
	}
	if raw, ok := pos[output.SpecKey(spec)]; ok {
		p, err := output.ParsePosition(raw)
		if err != nil {
			return spec, fmt.Errorf("committed position of %s: %w", path, err)
		}
		spec.Resume = &p
	}
	return spec, nil
}

// resumeSink opens the JSON Lines output at path for a run resuming on st: truncated
// back to the position the interrupted run committed, then appended to.
func resumeSink(t *testing.T, st store.Store, path string) output.Sink {
	t.Helper()
	ctx := context.Background()
	spec, err := resumeSpec(ctx, st, path)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Resume == nil {
		t.Fatalf("no committed position for %s in the state", output.SpecKey(spec))
	}
	sink, err := output.OpenSpec(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	return sink
}

// A crawl killed with SIGKILL in the middle and resumed on the same state and the
// same output file leaves every article exactly once in it (the resumed run cuts
// what the killed one wrote after its last commit); the resumed run does not seed
// the frontier again and fetches the pages that were in flight.
func TestResumeAfterKill(t *testing.T) {
	childOrSkip(t)
	var mu syncCounter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.add(r.URL.Path)
		time.Sleep(40 * time.Millisecond) // slow enough to be killed midway
		sample.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := sampleConfig(t, srv.URL)
	dir := t.TempDir()
	statePath := filepath.Join(dir, "state.db")
	out := filepath.Join(dir, "out.jsonl")
	c := startChild(t, "^TestResumeAfterKill$", cfg, statePath, out)
	// Kill it once some records are written.
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(out)
		if bytes.Count(b, []byte("\n")) >= 6 {
			break
		}
		if time.Now().After(deadline) {
			c.cmd.Process.Kill()
			<-c.exited
			t.Fatalf("child wrote %d records in 30 s\n%s", bytes.Count(b, []byte("\n")), c.stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.kill(t)
	killedBytes, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	requestsBefore := mu.get("/")

	st, err := store.OpenSQLite(context.Background(), statePath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before, err := st.Stats(context.Background(), "sample-health")
	if err != nil {
		t.Fatal(err)
	}
	if !before.Running || before.Done == 0 {
		t.Fatalf("state after the kill = %+v, want a run in progress with pages done", before)
	}
	sink := resumeSink(t, st, out)
	sum, err := RunJob(context.Background(), JobOptions{Config: cfg, Sink: sink, Store: st, Logger: testLogger(t)})
	if cerr := sink.Close(context.Background()); cerr != nil || err != nil {
		t.Fatalf("resumed run: %v, close: %v", err, cerr)
	}
	all := readRecords(t, out)
	killed := bytes.Count(killedBytes, []byte("\n"))
	resumed := len(all) - killed
	if !sum.Resumed {
		t.Error("Summary.Resumed = false")
	}
	if got := mu.get("/"); got != requestsBefore {
		t.Errorf("the home page (a seed) was fetched %d more times: the resumed run seeded again", got-requestsBefore)
	}

	count := map[string]int{}
	for _, a := range all {
		count[pathOf(t, a.URL)]++
	}
	var missing, dup []string
	for _, p := range sample.ArticlePaths() {
		switch count[p] {
		case 0:
			missing = append(missing, p)
		case 1:
		default:
			dup = append(dup, fmt.Sprintf("%s ×%d", p, count[p]))
		}
	}
	if len(missing) > 0 || len(dup) > 0 || len(count) != len(sample.ArticlePaths()) {
		t.Errorf("killed run wrote %d lines, the output now holds %d records: missing %v, duplicated %v, %d distinct (want %d)",
			killed, len(all), missing, dup, len(count), len(sample.ArticlePaths()))
	}
	if killed == 0 || resumed <= 0 {
		t.Errorf("killed run wrote %d lines, resumed %d more: want both > 0", killed, resumed)
	}
	after, err := st.Stats(context.Background(), "sample-health")
	if err != nil {
		t.Fatal(err)
	}
	if after.Running || after.Queued != 0 || after.Leased != 0 || after.Emitted != int64(len(sample.ArticlePaths())) {
		t.Errorf("state after the resumed run = %+v, want finished, nothing queued or leased, %d emitted", after, len(sample.ArticlePaths()))
	}
}

type syncCounter struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *syncCounter) add(p string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[p]++
}

func (c *syncCounter) get(p string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[p]
}

// An incremental run after one article changed, one was added and one removed emits
// exactly the changed and the added one (change: changed / new), reports the
// removed one as gone, and asks with conditional requests (the server answers 304).
func TestIncrementalRecrawl(t *testing.T) {
	site := condsite.New(sample.Handler())
	var hits syncCounter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add(r.URL.Path)
		site.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := sampleConfig(t, srv.URL)
	dir := t.TempDir()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()

	sum1 := crawlTo(t, ctx, cfg, st, filepath.Join(dir, "run1.jsonl"))
	run1 := readRecords(t, filepath.Join(dir, "run1.jsonl"))
	if len(run1) != len(sample.ArticlePaths()) || sum1.New != len(run1) {
		t.Fatalf("first run: %d records, %d new; want %d", len(run1), sum1.New, len(sample.ArticlePaths()))
	}
	for _, a := range run1 {
		if a.Change != "new" {
			t.Fatalf("first run record %s has change %q, want new", a.URL, a.Change)
		}
	}

	paths := sample.ArticlePaths()
	changed, removed := paths[3], paths[7]
	added := "/articles/a-new-article-on-sleep-and-memory.html"
	site.Rewrite(changed, func(b []byte) []byte {
		return bytes.Replace(b, []byte("</h1>"), []byte("</h1>\n<p>Update: a new trial of 2,400 adults, published this month, adds evidence that changes the advice given below in several important ways for most readers.</p>"), 1)
	})
	site.Set(added, []byte(GenArticleHTML("incremental-new", "A new article on sleep and memory", "", "", nil)))
	// The removed article answers 404, is no longer in the sitemap nor linked from the
	// listings: only the revisit of earlier articles finds it gone.
	site.Remove(removed)
	for _, lp := range sample.ListingPaths() {
		site.Rewrite(lp, func(b []byte) []byte {
			b = bytes.ReplaceAll(b, []byte(`"`+srv.URL+removed+`"`), []byte(`"#"`))
			return bytes.ReplaceAll(b, []byte(`"`+removed+`"`), []byte(`"#"`))
		})
	}
	site.Rewrite("/", func(b []byte) []byte {
		return bytes.Replace(b, []byte("</body>"), []byte(`<a href="`+added+`">Sleep and memory</a></body>`), 1)
	})
	site.Rewrite("/sitemap.xml", func(b []byte) []byte {
		s := string(b)
		i := strings.Index(s, changed+"</loc>")
		j := strings.Index(s[i:], "<lastmod>")
		k := strings.Index(s[i+j:], "</lastmod>")
		s = s[:i+j] + "<lastmod>2026-11-24" + s[i+j+k:]
		i = strings.Index(s, "<url>\n\t\t<loc>"+srv.URL+removed+"</loc>")
		if i < 0 {
			panic("removed article not in the sitemap")
		}
		j = strings.Index(s[i:], "</url>")
		s = s[:i] + s[i+j+len("</url>"):]
		return []byte(strings.Replace(s, "</urlset>", "<url><loc>"+srv.URL+added+"</loc><lastmod>2026-11-24</lastmod></url></urlset>", 1))
	})
	site.ResetCounts()

	sum2 := crawlTo(t, ctx, cfg, st, filepath.Join(dir, "run2.jsonl"))
	run2 := readRecords(t, filepath.Join(dir, "run2.jsonl"))
	got := map[string]string{}
	for _, a := range run2 {
		got[pathOf(t, a.URL)] = a.Change
	}
	if d := cmp.Diff(map[string]string{changed: "changed", added: "new"}, got); d != "" {
		t.Errorf("second run records (-want +got):\n%s", d)
	}
	if sum2.New != 1 || sum2.Changed != 1 || sum2.Gone != 1 || sum2.Unchanged != len(paths)-2 {
		t.Errorf("second run new/changed/unchanged/gone = %d/%d/%d/%d, want 1/1/%d/1",
			sum2.New, sum2.Changed, sum2.Unchanged, sum2.Gone, len(paths)-2)
	}
	if site.Conditional() == 0 || site.Count(http.StatusNotModified) == 0 {
		t.Errorf("second run: %d conditional requests, %d answered 304; want both > 0", site.Conditional(), site.Count(http.StatusNotModified))
	}
	if sum2.Errors != 0 {
		t.Errorf("second run errors = %d (reasons %v), want 0: the removed page is gone, not failed", sum2.Errors, sum2.Reasons[CatFailed])
	}

	// A third run with nothing changed writes nothing and re-downloads (almost) nothing.
	site.ResetCounts()
	hits = syncCounter{}
	sum3 := crawlTo(t, ctx, cfg, st, filepath.Join(dir, "run3.jsonl"))
	if run3 := readRecords(t, filepath.Join(dir, "run3.jsonl")); len(run3) != 0 {
		var urls []string
		for _, a := range run3 {
			urls = append(urls, a.URL)
		}
		sort.Strings(urls)
		t.Errorf("unchanged third run wrote %d records: %v", len(run3), urls)
	}
	if sum3.Unchanged != len(paths) || sum3.Gone != 0 || sum3.Errors != 0 {
		t.Errorf("third run unchanged %d gone %d errors %d, want %d, 0, 0", sum3.Unchanged, sum3.Gone, sum3.Errors, len(paths))
	}
	if n := site.Count(http.StatusOK); n > 3 {
		t.Errorf("unchanged third run downloaded %d pages in full (200), want at most robots.txt, sitemap and one more", n)
	}
	// Every article is in the sitemap with its lastmod unchanged: not requested —
	// but for those a link queued before the sitemap was read and that were
	// handled before it was (the home page and the sitemap are fetched at once).
	var asked []string
	for _, p := range paths {
		if hits.get(p) != 0 {
			asked = append(asked, p)
		}
	}
	if len(asked) > len(paths)/2 {
		t.Errorf("unchanged third run requested %d of the %d articles (%v), want at most half: their sitemap lastmod is unchanged", len(asked), len(paths), asked)
	}
}

// An unchanged re-crawl with a sitemap files every article its <lastmod> says is
// unchanged, reading their stored metadata (links) in batches: more articles than
// one batch (unchangedBatch), each one counted unchanged, none written, none asked.
func TestSitemapUnchangedBatches(t *testing.T) {
	pages := 2*unchangedBatch + 37
	site := condsite.New(benchSiteWithSitemap(BenchSite{Pages: pages, PerList: 50}))
	srv := httptest.NewServer(site)
	defer srv.Close()
	cfg := config.Default()
	cfg.Crawl.Delay = 0
	cfg.Sites = []config.Site{{Name: "bench", StartURLs: []string{srv.URL + "/"}, Sitemaps: []string{srv.URL + "/sitemap.xml"},
		Articles: []string{`/article/[0-9]+$`}, MaxPages: pages + 100}}
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	first, err := RunJob(ctx, JobOptions{Config: cfg, Sink: &countingSink{}, Store: st})
	if err != nil || first.Articles != pages {
		t.Fatalf("first run: %d articles, err %v; want %d", first.Articles, err, pages)
	}
	site.ResetCounts()
	second, err := RunJob(ctx, JobOptions{Config: cfg, Sink: &countingSink{}, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if second.Articles != 0 || second.Unchanged != pages {
		t.Errorf("second run: %d articles written, %d unchanged; want 0, %d", second.Articles, second.Unchanged, pages)
	}
	if asked := site.Count(200) + site.Count(304); asked > pages/2 {
		t.Errorf("second run asked %d pages, want fewer than %d: the sitemap says the articles are unchanged", asked, pages/2)
	}
}
