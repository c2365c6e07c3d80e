package extractors

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// React's streaming server rendering (Suspense) sends the page in pieces: a
// boundary is first written as a fallback ("Loading…", a spinner) marked by
// <!--$?--><template id="B:0"></template>…<!--/$-->, and its content comes
// later in the document inside <div hidden id="S:0">…</div>, followed by a
// script $RC("B:0","S:0") that removes the fallback and moves the content into
// its place. A segment not yet written is a <template id="P:1"> that
// $RS("S:1","P:1") replaces with the children of the hidden S:1 container. A
// browser runs those scripts at once; the page's text is read as it stands
// after them.

// revealStreamed applies the page's $RC / $RS instructions to the parsed
// tree: each hidden S: container's children move to the place of its B:
// boundary (replacing the fallback) or P: placeholder, as the browser's
// scripts would; a container no script names goes to the boundary or
// placeholder of the same number. Instructions naming elements that are not
// there are ignored.
func revealStreamed(root *html.Node) {
	ids := map[string]*html.Node{}
	type move struct {
		kind        byte
		target, seg string
	}
	var moves []move
	var segs []string // S: ids in document order
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if id := attr(c, "id"); len(id) > 2 && id[1] == ':' && (id[0] == 'S' || id[0] == 'B' || id[0] == 'P') {
				if _, dup := ids[id]; !dup {
					ids[id] = c
					if id[0] == 'S' {
						segs = append(segs, id)
					}
				}
			}
			if c.DataAtom == atom.Script {
				if t := c.FirstChild; t != nil && t.Type == html.TextNode && strings.Contains(t.Data, "$R") {
					for _, m := range streamCalls(t.Data) {
						moves = append(moves, move{m[0][0], m[1], m[2]})
					}
				}
				continue
			}
			walk(c)
		}
	}
	walk(root)
	// A segment no script names (the page was saved without its trailing
	// scripts) goes where its number says: S:3 into B:3, or P:3.
	named := map[string]bool{}
	for _, m := range moves {
		named[m.seg] = true
	}
	for _, id := range segs {
		if named[id] || !isHidden(ids[id]) {
			continue
		}
		if _, ok := ids["B"+id[1:]]; ok {
			moves = append(moves, move{'C', "B" + id[1:], id})
		} else if _, ok := ids["P"+id[1:]]; ok {
			moves = append(moves, move{'S', "P" + id[1:], id})
		}
	}
	for _, m := range moves {
		seg := ids[m.seg]
		target := ids[m.target]
		if seg == nil || target == nil || seg.Parent == nil || target.Parent == nil || contains(seg, target) || !isHidden(seg) {
			continue
		}
		parent := target.Parent
		var before *html.Node
		if m.kind == 'C' {
			// Remove the fallback: the boundary's siblings up to the comment
			// closing the boundary (<!--/$-->), nested boundaries counted;
			// only the boundary itself when that comment is not there.
			depth := 0
			end := target.NextSibling
			for ; end != nil; end = end.NextSibling {
				if end.Type == html.CommentNode {
					if end.Data == "/$" {
						if depth == 0 {
							break
						}
						depth--
					} else if end.Data == "$" || end.Data == "$?" || end.Data == "$!" {
						depth++
					}
				}
			}
			if end == nil {
				end = target.NextSibling
				parent.RemoveChild(target)
			} else {
				for c := target; c != end; {
					next := c.NextSibling
					if !contains(c, seg) {
						parent.RemoveChild(c)
					}
					c = next
				}
			}
			before = end
		} else {
			before = target.NextSibling
			parent.RemoveChild(target)
		}
		if seg.Parent == nil || before != nil && before.Parent != parent {
			continue
		}
		if before == seg {
			before = seg.NextSibling
		}
		seg.Parent.RemoveChild(seg)
		for seg.FirstChild != nil {
			k := seg.FirstChild
			seg.RemoveChild(k)
			parent.InsertBefore(k, before)
		}
	}
}

// streamCalls finds the $RC("B:0","S:0") and $RS("S:1","P:1") calls in a
// script: each as {kind ("C" or "S"), target id, segment id}.
func streamCalls(s string) [][3]string {
	var out [][3]string
	for {
		i := strings.Index(s, "$R")
		if i < 0 || i+4 > len(s) {
			return out
		}
		kind := s[i+2]
		s = s[i+3:]
		if (kind != 'C' && kind != 'S') || s[0] != '(' {
			continue
		}
		a, rest, ok := quotedArg(s[1:])
		if !ok || len(rest) == 0 || rest[0] != ',' {
			continue
		}
		b, _, ok := quotedArg(rest[1:])
		if !ok {
			continue
		}
		if kind == 'C' {
			out = append(out, [3]string{"C", a, b})
		} else {
			out = append(out, [3]string{"S", b, a})
		}
	}
}

// quotedArg reads a short "…" or '…' string at the start of s.
func quotedArg(s string) (arg, rest string, ok bool) {
	s = strings.TrimLeft(s, " ")
	if len(s) < 2 || s[0] != '"' && s[0] != '\'' {
		return "", s, false
	}
	j := strings.IndexByte(s[1:], s[0])
	if j < 0 || j > 40 {
		return "", s, false
	}
	return s[1 : 1+j], strings.TrimLeft(s[2+j:], " "), true
}
