package output

// The built-in formats besides jsonl (sink_jsonl.go): human-readable renderings.
func init() {
	Register("text", NewTextSink)
	Register("markdown", NewMarkdownSink)
}
