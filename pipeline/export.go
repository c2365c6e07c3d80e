package pipeline

// Text predicates exported for textingest and renderers.

// IsHeadingLike reports whether one line reads as a heading: 1–12 words, title case,
// no final period/comma/colon, no sentence break inside.
func IsHeadingLike(s string) bool { return isHeadingLike(s) }

// SplitLabel splits "Label: text" when Label is a short title-case run.
func SplitLabel(s string) (label, text string, ok bool) { return splitLabel(s) }
