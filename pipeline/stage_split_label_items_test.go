package pipeline

import (
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

func TestSplitLabelItems(t *testing.T) {
	seedRun := "Increased Blood Flow: Massage promotes blood flow to the area, which can help with healing and reduce inflammation. Release of Tension: By breaking up the built-up tension in the muscles of the lower back and glutes, massage can provide temporary relief. Pain Relief: The manipulation of tissues can trigger the release of endorphins, which are natural painkillers. Increased Range of Motion: Regular massage can help restore flexibility and improve overall function in the lower back."
	runStageCases(t, "split_label_items", []stageCase{
		{
			name: "the seed's run of label items becomes a labelled list",
			in:   art("T", sec("Why It Works", 2, para(seedRun))),
			want: art("T", sec("Why It Works", 2, list(
				item("Increased Blood Flow", "Massage promotes blood flow to the area, which can help with healing and reduce inflammation."),
				item("Release of Tension", "By breaking up the built-up tension in the muscles of the lower back and glutes, massage can provide temporary relief."),
				item("Pain Relief", "The manipulation of tissues can trigger the release of endorphins, which are natural painkillers."),
				item("Increased Range of Motion", "Regular massage can help restore flexibility and improve overall function in the lower back."),
			))),
		},
		{
			name: "multi-sentence items, apostrophes in labels",
			in:   art("T", sec("", 0, para("It's Not a Standalone Fix: Massage alone may not fix it. Pair it with exercise. Keep Moving: Walk after a massage."))),
			want: art("T", sec("", 0, list(item("It's Not a Standalone Fix", "Massage alone may not fix it. Pair it with exercise."), item("Keep Moving", "Walk after a massage.")))),
		},
		{
			name: "a single Label: paragraph stays a paragraph",
			in:   art("T", sec("", 0, para("Bottom line: A professional massage can help. However, it works best combined."))),
			want: art("T", sec("", 0, para("Bottom line: A professional massage can help. However, it works best combined."))),
		},
		{
			name: "list items written Label: text get their label",
			in:   art("T", sec("", 0, list(item("", "Physical Therapy: Specific exercises."), item("", "plain item"), item("", "Note that: lower case is not a label"), item("Kept", "Already: labelled")))),
			want: art("T", sec("", 0, list(item("Physical Therapy", "Specific exercises."), item("", "plain item"), item("", "Note that: lower case is not a label"), item("Kept", "Already: labelled")))),
		},
		{
			name: "sentence-case labels of list items, in several languages; clauses are not labels",
			in: art("T", sec("", 0, list(
				item("", "Side effects: iron tablets can cause constipation"),
				item("", "Glucosa en ayunas: 126 mg/dl o más en dos análisis"),
				item("", "Hemoglobina glicosilada (HbA1c): 6,5 % o más"),
				item("", "Women under 50 – 25 grams a day"),
				item("", "It is normal: most people feel better in a week"),
				item("", "Talk to your doctor if: the rash spreads"),
			))),
			want: art("T", sec("", 0, list(
				item("Side effects", "iron tablets can cause constipation"),
				item("Glucosa en ayunas", "126 mg/dl o más en dos análisis"),
				item("Hemoglobina glicosilada (HbA1c)", "6,5 % o más"),
				item("Women under 50", "25 grams a day"),
				item("", "It is normal: most people feel better in a week"),
				item("", "Talk to your doctor if: the rash spreads"),
			))),
		},
		{
			name: "list items written Label – text (en or em dash) get their label; ranges and sentences do not",
			in: art("T", sec("Symptoms", 2, list(
				item("", "Fever – a temperature of 38°C or higher"),
				item("", "Dry Cough — a tickly cough that does not bring up phlegm"),
				item("", "Monday – Friday"),
				item("", "You may feel tired – this is normal"),
				item("", "Loss of smell or taste"),
			))),
			want: art("T", sec("Symptoms", 2, list(
				item("Fever", "a temperature of 38°C or higher"),
				item("Dry Cough", "a tickly cough that does not bring up phlegm"),
				item("", "Monday – Friday"),
				item("", "You may feel tired – this is normal"),
				item("", "Loss of smell or taste"),
			))),
		},
		{
			name: "times, URLs, sentences, abbreviations are not labels",
			in: art("T", sec("", 0,
				para("Meet at 10:30. Then rest: it helps."),
				para("Visit https://example.org. Call: 555."),
				para("The study found that many people who tried it: improved. Pain Relief: yes."),
				para("Dr. Roe: Take 3.5 mg daily. U.S. Guidance: Take it with food."),
				list(item("", "https://example.org/a: link"), item("", "10:30: start")),
			)),
			want: art("T", sec("", 0,
				para("Meet at 10:30. Then rest: it helps."),
				para("Visit https://example.org. Call: 555."),
				para("The study found that many people who tried it: improved. Pain Relief: yes."),
				para("Dr. Roe: Take 3.5 mg daily. U.S. Guidance: Take it with food."),
				list(item("", "https://example.org/a: link"), item("", "10:30: start")),
			)),
		},
		{
			name: "min_items 3 keeps a run of two",
			opts: "min_items: 3",
			in:   art("T", sec("", 0, para("Diet: Eat well. Sleep: Rest well."))),
			want: art("T", sec("", 0, para("Diet: Eat well. Sleep: Rest well."))),
		},
		{
			name: "non-English labels, right-to-left text untouched",
			in:   art("T", sec("", 0, para("Mehr Bewegung: Gehen Sie täglich. Gesunde Ernährung: Essen Sie Gemüse."), para("التدليك: مفيد. الحركة: مهمة."))),
			want: art("T", sec("", 0, list(item("Mehr Bewegung", "Gehen Sie täglich."), item("Gesunde Ernährung", "Essen Sie Gemüse.")), para("التدليك: مفيد. الحركة: مهمة."))),
		},
		{name: "empty", in: &article.Article{}, want: &article.Article{}},
	})
}
