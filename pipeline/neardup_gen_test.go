package pipeline

import (
	"math/rand/v2"
	"strings"
)

// Generated health prose, like the bench site's generator (crawler/gensite.go): every
// article draws its sentences from one small shared vocabulary, so different
// articles share most words and many word pairs.
var (
	genTopicNouns = strings.Fields(`wrist hand fingers nerve tendon splint pain numbness tingling grip
		symptoms night sleep typing keyboard therapy exercise stretching surgery injection thumb palm
		swelling pressure posture work rest ice brace doctor diagnosis recovery`)
	genTopicAdjs = strings.Fields(`mild severe gentle daily regular early late common rare chronic
		acute simple careful steady gradual sudden short long usual typical`)
	genTopicVerbs = strings.Fields(`eases reduces worsens affects relieves causes follows limits
		supports improves changes protects precedes`)
	genTopicDets = []string{"the", "a", "this", "your", "their", "each", "that"}
)

// genProse returns n generated sentences seeded by seed.
func genProse(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	var b strings.Builder
	for range n {
		s := pick(genTopicDets) + " " + pick(genTopicAdjs) + " " + pick(genTopicNouns) + " " + pick(genTopicVerbs) + " " +
			pick(genTopicDets) + " " + pick(genTopicAdjs) + " " + pick(genTopicNouns) + " in the " + pick(genTopicNouns)
		b.WriteString(strings.ToUpper(s[:1]) + s[1:] + ". ")
	}
	return b.String()
}
