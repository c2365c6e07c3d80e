package pipeline

import (
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

const (
	textEN = "Massage therapy has several benefits that can help alleviate lower back pain. Increasing blood flow and releasing muscle tension are key aspects of the treatment, and many people notice that their muscles are more relaxed afterwards."
	textDE = "Massagetherapie hat mehrere Vorteile, die helfen können, Schmerzen im unteren Rücken zu lindern. Eine erhöhte Durchblutung und das Lösen von Muskelverspannungen sind wichtige Aspekte, und viele Menschen bemerken danach eine deutliche Entspannung."
	textFR = "La massothérapie présente plusieurs avantages qui peuvent aider à soulager les douleurs lombaires. L'augmentation du flux sanguin et la libération des tensions musculaires sont des aspects clés du traitement pour beaucoup de patients."
	textES = "La terapia de masaje tiene varios beneficios que pueden ayudar a aliviar el dolor lumbar. Aumentar el flujo sanguíneo y liberar la tensión muscular son aspectos clave del tratamiento para muchos pacientes con dolor crónico."
	textPT = "A massoterapia tem vários benefícios que podem ajudar a aliviar a dor lombar. Aumentar o fluxo sanguíneo e liberar a tensão muscular são aspectos fundamentais do tratamento para muitos pacientes com dor crônica."
	textIT = "La terapia del massaggio ha diversi benefici che possono aiutare ad alleviare il mal di schiena. Aumentare il flusso sanguigno e sciogliere la tensione muscolare sono aspetti chiave del trattamento per molti pazienti."
	textNL = "Massagetherapie heeft verschillende voordelen die kunnen helpen om lage rugpijn te verlichten. Een betere doorbloeding en het loslaten van spierspanning zijn belangrijke aspecten van de behandeling voor veel patiënten."
	textPL = "Masaż leczniczy ma wiele zalet, które mogą pomóc złagodzić ból dolnej części pleców. Zwiększenie przepływu krwi i rozluźnienie napięcia mięśni to kluczowe aspekty leczenia dla wielu pacjentów z przewlekłym bólem."
	textAR = "العلاج بالتدليك له فوائد عديدة يمكن أن تساعد في تخفيف آلام أسفل الظهر. زيادة تدفق الدم وتحرير توتر العضلات من الجوانب الرئيسية للعلاج، ويلاحظ كثير من الناس أن عضلاتهم أكثر استرخاء بعد الجلسة."
	textHE = "לטיפול בעיסוי יש מספר יתרונות שיכולים לעזור להקל על כאבי גב תחתון. הגברת זרימת הדם ושחרור מתח שרירים הם היבטים מרכזיים של הטיפול, ואנשים רבים מרגישים שהשרירים שלהם רפויים יותר אחרי הטיפול."
)

func langArt(declared, text string) *article.Article {
	a := art("T", sec("", 0, para(text)))
	a.Language = declared
	return a
}

func TestLanguageBothPaths(t *testing.T) {
	for _, opts := range []string{"fast_path: true", "fast_path: false"} {
		var cases []stageCase
		for want, text := range map[string]string{"en": textEN, "de": textDE, "fr": textFR, "es": textES, "pt": textPT, "it": textIT, "nl": textNL, "pl": textPL, "ar": textAR, "he": textHE} {
			cases = append(cases,
				stageCase{name: want + " undeclared", opts: opts, in: langArt("", text), want: langArt(want, text)},
				stageCase{name: want + " declared wrongly", opts: opts, in: langArt("fr", text), want: langArt(want, text)},
			)
		}
		t.Run(opts, func(t *testing.T) { runStageCases(t, "language", cases) })
	}
}

func TestLanguage(t *testing.T) {
	runStageCases(t, "language", []stageCase{
		{name: "undeclared English", in: langArt("", textEN), want: langArt("en", textEN)},
		{name: "undeclared German", in: langArt("", textDE), want: langArt("de", textDE)},
		{name: "undeclared French", in: langArt("", textFR), want: langArt("fr", textFR)},
		{name: "undeclared Arabic (right-to-left)", in: langArt("", textAR), want: langArt("ar", textAR)},
		{name: "undeclared Hebrew (right-to-left)", in: langArt("", textHE), want: langArt("he", textHE)},
		{name: "declared tag normalized", in: langArt("en-US", textEN), want: langArt("en", textEN)},
		{name: "declared 639-2 tag normalized", in: langArt("deu", textDE), want: langArt("de", textDE)},
		{name: "declared language contradicted by the text", in: langArt("en", textDE), want: langArt("de", textDE)},
		{name: "declared Arabic contradicted by English text", in: langArt("ar", textEN), want: langArt("en", textEN)},
		{name: "override off keeps the declaration", opts: "override: false", in: langArt("en", textDE), want: langArt("en", textDE)},
		{name: "short text is not detected", in: langArt("", "Hello there, friend."), want: langArt("", "Hello there, friend.")},
		{name: "short text keeps the declaration", in: langArt("fr-CA", "Bonjour."), want: langArt("fr", "Bonjour.")},
		{name: "candidates narrow the answer", opts: "candidates: [en, de]", in: langArt("", textDE), want: langArt("de", textDE)},
		{name: "URLs and numbers only", in: langArt("", "https://example.org/a 3.5 mg 10:30 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), want: langArt("", "https://example.org/a 3.5 mg 10:30 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16")},
		{name: "empty", in: &article.Article{}, want: &article.Article{}},
	})
}

func TestLanguageOptionErrors(t *testing.T) {
	for opts, want := range map[string]string{
		"candidates: [en, xx]": `pipeline.stages[0].options.candidates[1]: "xx": not an ISO 639-1 code the detector knows`,
		"min_words: -1":        "pipeline.stages[0].options.min_words: must be ≥ 0, got -1",
		"sample_bytes: 10":     "pipeline.stages[0].options.sample_bytes: must be ≥ 50, got 10",
	} {
		cfg := loadYAML(t, stageYAML("language", opts))
		_, err := Build(cfg.Pipeline, nil)
		if err == nil || err.Error() != want {
			t.Errorf("%s: error = %v, want %s", opts, err, want)
		}
	}
}
