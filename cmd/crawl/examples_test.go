package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command of the tree — runnable or a group of subcommands, except cobra's
// help and completion — has an Example that uses the command itself, and its --help
// prints it.
func TestEveryCommandHasAnExample(t *testing.T) {
	a := &app{stdio: stdio{in: strings.NewReader("")}, env: func(string) (string, bool) { return "", false }}
	root := newRootCmd(a)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var seen []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Name() == "help" || c.Name() == "completion" || c.Hidden {
			return
		}
		path := c.CommandPath()
		seen = append(seen, path)
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s: no Example", path)
		} else if !regexp.MustCompile(regexp.QuoteMeta(path) + `(\s|$)`).MatchString(c.Example) {
			t.Errorf("%s: Example does not run %q:\n%s", path, path, c.Example)
		}
		if c.Runnable() || c.HasSubCommands() {
			var out bytes.Buffer
			args := append(strings.Fields(path)[1:], "--help")
			code := execute(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &out},
				func(string) (string, bool) { return "", false })
			if code != exitOK || !strings.Contains(out.String(), "Examples:\n") {
				t.Errorf("crawl %s: exit %d, no Examples section:\n%s", strings.Join(args, " "), code, out.String())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, want := range []string{"crawl bench", "crawl bench extract", "crawl bench crawl", "crawl state", "crawl state stats",
		"crawl state reset", "crawl run", "crawl report", "crawl clean", "crawl extract", "crawl schema", "crawl stages", "crawl schedule"} {
		found := false
		for _, p := range seen {
			found = found || p == want
		}
		if !found {
			t.Errorf("command %q not in the tree walked: %v", want, seen)
		}
	}
}
