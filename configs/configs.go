// Package configs embeds the bundled YAML configurations, so `crawl demo` works from
// any directory.
package configs

import (
	"embed"
	"io/fs"
)

//go:embed *.yaml
var files embed.FS

// Demo returns configs/demo.yaml, whose start URL holds the placeholder {{BASE}}
// (the sample site's base URL, filled in at run time). Nil if it is not bundled.
func Demo() []byte {
	b, err := files.ReadFile("demo.yaml")
	if err != nil {
		return nil
	}
	return b
}

// Example returns configs/example.yaml, every key with its default.
func Example() []byte {
	b, _ := files.ReadFile("example.yaml")
	return b
}

// Files returns every bundled YAML file.
func Files() fs.FS { return files }
