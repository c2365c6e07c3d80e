package pipeline

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/abadojack/whatlanggo"
	"github.com/healthcrawl/healthcrawl/article"
)

// LanguageOptions configure the language stage.
type LanguageOptions struct {
	Override    bool     `mapstructure:"override" doc:"replace a declared language that a reliable detection contradicts"`
	MinWords    int      `mapstructure:"min_words" doc:"texts with fewer words are not detected (a declared language is kept)"`
	SampleBytes int      `mapstructure:"sample_bytes" doc:"bytes of body text given to the detector (detection cost grows with the sample)"`
	Candidates  []string `mapstructure:"candidates" doc:"ISO 639-1 codes the detector may answer (empty = every language it knows); narrowing it is faster and more accurate"`
}

func init() {
	Register(DefaultRegistry, "language",
		"Sets language (ISO 639-1) with whatlanggo when the page declares none or declares one that the text contradicts; normalizes declared tags (\"en-US\" → \"en\").",
		func() LanguageOptions {
			return LanguageOptions{Override: true, MinWords: 15, SampleBytes: 600}
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
	return s, len(strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }))
}

func (l *language) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	declared := NormalizeLanguageTag(a.Language)
	a.Language = declared
	text, nwords := sample(a, l.opts.SampleBytes)
	if nwords < l.opts.MinWords {
		return keep, nil
	}
	if declared != "" {
		if !l.opts.Override || consistentStopwords(declared, text) {
			return keep, nil
		}
	}
	info := whatlanggo.DetectWithOptions(text, l.wl)
	code := iso1[info.Lang]
	if code == "" || !info.IsReliable() {
		return keep, nil
	}
	if declared == "" || !sameLanguage(declared, code) {
		a.Language = code
	}
	return keep, nil
}

// sameLanguage treats Norwegian variants as one language.
func sameLanguage(a, b string) bool {
	norw := []string{"no", "nb", "nn"}
	if slices.Contains(norw, a) && slices.Contains(norw, b) {
		return true
	}
	return a == b
}

// Distinctive function words: a text declared in one of these languages whose words
// are clearly that language's (≥ 12 % of the words, and 1.5× any other listed
// language) is consistent without running the detector.
var stopwords = map[string]map[string]bool{
	"en": set("the and of to is are that with for this it you your be have not can was were which from they their will or an by"),
	"de": set("der die das und ist nicht mit sich auf für dem den ein eine einer zu von im sind auch wird bei oder wenn werden kann sie"),
	"fr": set("le les des et est une du dans pour pas que qui sur au avec ce cette sont aux il elle vous plus être peut ou"),
	"es": set("el los las y es una del en por con para que se no su sus al lo como más está son puede o muy pero"),
	"it": set("il gli della delle che di è una per con non sono del nel alla anche come più può si dei le lo ma"),
	"pt": set("os das dos uma para com não que é por mais são ao se pode como também seu sua ou está à"),
	"nl": set("de het een en van is dat niet met voor zijn op te wordt ook bij kan worden deze die aan er"),
}

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// consistentStopwords reports whether text is plainly in the declared language by its
// function words. It only ever confirms; a false answer sends the text to the detector.
func consistentStopwords(declared, text string) bool {
	if _, ok := stopwords[declared]; !ok {
		return false
	}
	counts := map[string]int{}
	total := 0
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		w = strings.ToLower(w)
		total++
		for lang, sw := range stopwords {
			if sw[w] {
				counts[lang]++
			}
		}
	}
	if total == 0 {
		return false
	}
	mine := counts[declared]
	if float64(mine) < 0.12*float64(total) {
		return false
	}
	for lang, n := range counts {
		if lang != declared && float64(n)*1.5 > float64(mine) {
			return false
		}
	}
	return true
}
