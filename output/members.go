package output

// Members lists the sinks of s: the members of a MultiSink, else s itself.
func Members(s Sink) []Sink { return members(s) }
