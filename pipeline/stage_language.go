package pipeline

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
	"github.com/healthcrawl/healthcrawl/article"
)

// LanguageOptions configure the language stage.
type LanguageOptions struct {
	Override    bool     `mapstructure:"override" doc:"replace a declared language that a reliable detection contradicts"`
	MinWords    int      `mapstructure:"min_words" doc:"texts with fewer words are not detected (a declared language is kept)"`
	SampleBytes int      `mapstructure:"sample_bytes" doc:"bytes of body text given to the detector (detection cost grows with the sample)"`
	Candidates  []string `mapstructure:"candidates" doc:"ISO 639-1 codes the detector may answer (empty = every language it knows); narrowing it is faster and more accurate"`
	FastPath    bool     `mapstructure:"fast_path" doc:"decide en/de/fr/es/it/pt/nl by their function words when the text is unambiguous (≈100× faster than the detector); false runs whatlanggo on every record"`
}

func init() {
	Register(DefaultRegistry, "language",
		"Sets language (ISO 639-1) when the page declares none or declares one that the text contradicts; normalizes declared tags (\"en-US\" → \"en\"). Unambiguous en/de/fr/es/it/pt/nl text is decided by function words; everything else by whatlanggo.",
		func() LanguageOptions {
			return LanguageOptions{Override: true, MinWords: 15, SampleBytes: 400, FastPath: true}
		},
		newLanguage)
}

type language struct {
	opts LanguageOptions
	wl   whatlanggo.Options
}

// iso1 maps whatlanggo languages to ISO 639-1 (built once: Lang.Iso6391 allocates a map per call).
var iso1 = func() map[whatlanggo.Lang]string {
	m := map[whatlanggo.Lang]string{}
	for l := whatlanggo.Lang(0); l < 200; l++ {
		if c := l.Iso6391(); c != "" {
			m[l] = c
		}
	}
	return m
}()

// byISO1 is the inverse of iso1.
var byISO1 = func() map[string]whatlanggo.Lang {
	m := map[string]whatlanggo.Lang{}
	for l, c := range iso1 {
		m[c] = l
	}
	return m
}()

// Function words are counted in the first shortSampleBytes of body text, then, when
// that is not conclusive, in the first fastSampleBytes.
const (
	shortSampleBytes = 400
	fastSampleBytes  = 1500
)

func newLanguage(o LanguageOptions, _ Env) (Stage, error) {
	if o.MinWords < 0 {
		return nil, optErr("min_words", "must be ≥ 0, got %d", o.MinWords)
	}
	if o.SampleBytes < 50 {
		return nil, optErr("sample_bytes", "must be ≥ 50, got %d", o.SampleBytes)
	}
	l := &language{opts: o}
	for i, c := range o.Candidates {
		wl, ok := byISO1[strings.ToLower(c)]
		if !ok {
			return nil, optErr("candidates["+strconv.Itoa(i)+"]", "%q: not an ISO 639-1 code the detector knows", c)
		}
		if l.wl.Whitelist == nil {
			l.wl.Whitelist = map[whatlanggo.Lang]bool{}
		}
		l.wl.Whitelist[wl] = true
	}
	return l, nil
}

func (*language) Name() string { return "language" }

// NormalizeLanguageTag reduces a declared language tag to its ISO 639-1 base
// ("en-US", "EN_gb" → "en"; "eng" → "en"); unknown tags are lower-cased bases.
func NormalizeLanguageTag(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) == 3 {
		if l := whatlanggo.CodeToLang(tag); l >= 0 {
			if c := iso1[l]; c != "" {
				return c
			}
		}
	}
	return tag
}

// sample returns up to n bytes of body text (paragraphs and list items), cut at a space.
func sample(a *article.Article, n int) (string, int) {
	var b strings.Builder
	add := func(s string) bool {
		if s == "" {
			return true
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if b.Len()+len(s) > n {
			s = s[:max(n-b.Len(), 0)]
			if i := strings.LastIndexByte(s, ' '); i > 0 {
				s = s[:i]
			}
			b.WriteString(s)
			return false
		}
		b.WriteString(s)
		return true
	}
	for _, sec := range a.Sections {
		for _, bl := range sec.Blocks {
			if !bl.InText() {
				continue
			}
			switch bl.Type {
			case article.BlockParagraph, article.BlockQuote:
				if !add(bl.Text) {
					goto done
				}
			case article.BlockList:
				for _, it := range bl.Items {
					if !add(it.Text) {
						goto done
					}
				}
			}
		}
	}
	if b.Len() < n/2 {
		add(a.Title)
		add(a.Description)
	}
done:
	s := strings.ToValidUTF8(b.String(), "")
	nw := 0
	in := false
	for _, r := range s {
		l := unicode.IsLetter(r)
		if l && !in {
			nw++
		}
		in = l
	}
	return s, nw
}

func (l *language) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	declared := NormalizeLanguageTag(a.Language)
	a.Language = declared
	text, nwords := sample(a, shortSampleBytes)
	if nwords < l.opts.MinWords {
		return keep, nil // the sample holds the whole (short) body
	}
	if declared != "" && !l.opts.Override {
		return keep, nil
	}
	for pass := 0; l.opts.FastPath && pass < 2; pass++ {
		// Function words of a short sample usually settle it; a longer one otherwise.
		if pass == 1 {
			long, _ := sample(a, max(l.opts.SampleBytes, fastSampleBytes))
			if len(long) <= len(text) {
				break
			}
			text = long
		}
		if declared != "" && consistentStopwords(declared, text) {
			return keep, nil
		}
		if code, ok := stopwordLanguage(text); ok && l.allowed(code) {
			a.Language = code
			return keep, nil
		}
	}
	if len(text) < l.opts.SampleBytes {
		text, _ = sample(a, l.opts.SampleBytes)
	}
	// The detector's cost grows with its input: give it SampleBytes.
	info := whatlanggo.DetectWithOptions(prefix(text, l.opts.SampleBytes), l.wl)
	code := iso1[info.Lang]
	if code == "" || !info.IsReliable() {
		return keep, nil
	}
	if declared == "" || !sameLanguage(declared, code) {
		a.Language = code
	}
	return keep, nil
}

// allowed reports whether code is among the candidates (all when none are set).
func (l *language) allowed(code string) bool {
	if l.wl.Whitelist == nil {
		return true
	}
	return l.wl.Whitelist[byISO1[code]]
}

// sameLanguage treats Norwegian variants as one language.
func sameLanguage(a, b string) bool {
	norw := []string{"no", "nb", "nn"}
	if slices.Contains(norw, a) && slices.Contains(norw, b) {
		return true
	}
	return a == b
}

// Common function words of seven languages. A text declared in one of them whose words
// are clearly that language's (≥ 15 % of the words, 1.5× any other listed language)
// is consistent without running the detector; an undeclared or contradicted text is
// identified with a margin of 2×. Anything less clear goes to whatlanggo.
var stopwordLists = map[string]string{
	"en": "the and of to is are that with for this it you your be have not can was were which from they their will or an by in on at as but has more than who what when how if do does may should these those about into after before our we he she its them been had there would could also",
	"de": "der die das und ist nicht mit sich auf für dem den ein eine einer zu von im sind auch wird bei oder wenn werden kann sie des dass es ich wir noch nach wie aus hat nur über vor einem eines haben durch unter",
	"fr": "le les des et est une du dans pour pas que qui sur au avec ce cette sont aux il elle vous plus être peut ou la un de en se sa son ses leur mais nous ont aussi comme",
	"es": "el los las y es una del en por con para que se no su sus al lo como más está son puede o muy pero la un de le ha han también sobre entre cuando este esta",
	"it": "il gli della delle che di è una per con non sono del nel alla anche come più può si dei le lo ma la un in da degli questo questa ha hanno essere",
	"pt": "os das dos uma para com não que é por mais são ao se pode como também seu sua ou está à o a um de em do da no na ele ela mas tem",
	"nl": "de het een en van is dat niet met voor zijn op te wordt ook bij kan worden deze die aan er in naar om uit dan als maar heeft hebben wat",
}

// stopLangs orders the languages of stopwordLists; stopwords maps a word to the
// bit set of languages (bit i = stopLangs[i]) it is a function word of.
var stopLangs, stopwords = func() ([]string, map[string]uint8) {
	langs := make([]string, 0, len(stopwordLists))
	for l := range stopwordLists {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	m := map[string]uint8{}
	for i, l := range langs {
		for _, w := range strings.Fields(stopwordLists[l]) {
			m[w] |= 1 << i
		}
	}
	return langs, m
}()

// stopwordCounts counts the words of text and, per language of stopLangs, its
// function words.
func stopwordCounts(text string) (counts [8]int, total int) {
	var buf [32]byte
	isLetterAt := func(i int) (bool, int) {
		if c := text[i]; c < utf8.RuneSelf {
			return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z', 1
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		return unicode.IsLetter(r), size
	}
	for i := 0; i < len(text); {
		l, size := isLetterAt(i)
		if !l {
			i += size
			continue
		}
		j := i
		for j < len(text) {
			l, size := isLetterAt(j)
			if !l {
				break
			}
			j += size
		}
		w := text[i:j]
		i = j
		total++
		if len(w) > len(buf) {
			continue
		}
		lw := buf[:0]
		ascii := true
		for k := 0; k < len(w); k++ {
			c := w[k]
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lw = append(lw, c)
		}
		var set uint8
		if ascii {
			set = stopwords[string(lw)] // no allocation for a map key conversion
		} else {
			set = stopwords[strings.ToLower(w)]
		}
		for l := range stopLangs {
			if set&(1<<l) != 0 {
				counts[l]++
			}
		}
	}
	return counts, total
}

// dominant reports whether language index own has ≥ 15 % of the words as function
// words and more than margin times any other listed language.
func dominant(counts [8]int, total, own int, margin float64) bool {
	mine := counts[own]
	if total == 0 || float64(mine) < 0.15*float64(total) {
		return false
	}
	for l := range stopLangs {
		if l != own && float64(counts[l])*margin >= float64(mine) {
			return false
		}
	}
	return true
}

// consistentStopwords reports whether text is plainly in the declared language by its
// function words (margin 1.5). It only ever confirms; false sends the text on.
// Words listed for several languages count for each.
func consistentStopwords(declared, text string) bool {
	own := slices.Index(stopLangs, declared)
	if own < 0 {
		return false
	}
	counts, total := stopwordCounts(text)
	return dominant(counts, total, own, 1.5)
}

// stopwordLanguage identifies text as one of stopLangs when its function words leave
// no doubt (≥ 15 % of the words and more than twice any other listed language).
func stopwordLanguage(text string) (string, bool) {
	counts, total := stopwordCounts(text)
	for l, code := range stopLangs {
		if dominant(counts, total, l, 2) {
			return code, true
		}
	}
	return "", false
}

// prefix returns text cut to at most n bytes at a space (valid UTF-8).
func prefix(text string, n int) string {
	if len(text) <= n {
		return text
	}
	t := text[:n]
	if i := strings.LastIndexByte(t, ' '); i > 0 {
		t = t[:i]
	}
	return strings.ToValidUTF8(t, "")
}
