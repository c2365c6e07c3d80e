package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildVersion is what `crawl version` and `crawl --version` print, from the build
// information the Go toolchain stamps into the binary.
type buildVersion struct {
	Version  string // module version (v1.2.3 from go install …@v1.2.3); "(devel)" when unknown
	Commit   string // vcs.revision; "" when unknown
	Modified bool   // vcs.modified: built from a tree with uncommitted changes
	Go       string // the Go release that built it
}

// readVersion reads the binary's build information (runtime/debug.ReadBuildInfo).
func readVersion() buildVersion {
	v := buildVersion{Version: "(devel)", Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		v.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the one version line: "crawl version (devel), commit 47ab323e7a1b
// (modified), go1.26.0 linux/amd64".
func (v buildVersion) String() string {
	commit := "commit unknown"
	if v.Commit != "" {
		c := v.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		commit = "commit " + c
		if v.Modified {
			commit += " (modified)"
		}
	}
	return fmt.Sprintf("crawl version %s, %s, %s %s/%s", v.Version, commit, v.Go, runtime.GOOS, runtime.GOARCH)
}

// setVersion makes `crawl --version` print the version line.
func setVersion(root *cobra.Command) {
	root.Version = readVersion().String()
	root.SetVersionTemplate("{{.Version}}\n")
	root.Flags().BoolP("version", "v", false, "print the version, commit and Go release (as crawl version)")
}

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		GroupID: groupConfig,
		Short:   "Print the version, commit and Go version of this binary",
		Long: `version prints one line: the module version ("(devel)" for a binary built from a
checkout, v1.2.3 for go install …@v1.2.3), the commit it was built from (with
"(modified)" when the tree had uncommitted changes; "unknown" when the build had no
version control information: go build -buildvcs=false, a GOFLAGS setting that says
so, or a git worktree, which the go command does not read), and the Go release, OS
and architecture that built it.
crawl --version prints the same line.`,
		Example: `  crawl version
  crawl --version`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(a.out, readVersion().String())
			return nil
		},
	}
}
