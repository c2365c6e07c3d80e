package pipeline

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
)

func TestDropBoilerplate(t *testing.T) {
	long := "If you subscribe to a gym membership, ask whether it offers classes suited to people with back pain, because a guided programme of stretching and strengthening exercises tends to work better than exercising alone without advice from a professional who knows your history."
	runStageCases(t, "drop_boilerplate", []stageCase{
		{
			name: "default phrases, exact blocks, copyright, bylines",
			in: art("T", sec("", 0,
				para("Share this article"),
				para("Advertisement"),
				para("Real content stays."),
				para("© 2024 Hearthside Health. All rights reserved."),
				para("Sign up for our newsletter to get weekly tips."),
				para("We use cookies to improve your experience."),
				para("Click here to read the full guide."),
				para("Medically reviewed by Dr. Jane Roe, MD"),
				para("✓ Medically reviewed by Dr. Helen Marsh, MD — May 19, 2025"),
				para("Published May 19, 2025 · Updated May 20, 2025"),
				para("Mind & Sleep · Health News"),
				para("Home › Conditions › Migraine"),
				para("Take 200 mg / 400 mg with food."),
				para(long),
			)),
			want: art("T", sec("", 0, para("Real content stays."), para("Take 200 mg / 400 mg with food."), para(long))),
		},
		{
			name: "content that merely mentions a phrase word is kept",
			in:   art("T", sec("", 0, para("Avoid cookies and cake before bed."), para("Your doctor may prescribe a short course."), para("Share your worries with a friend."), list(item("", "Sign up for the flu jab at your pharmacy")))),
			want: art("T", sec("", 0, para("Avoid cookies and cake before bed."), para("Your doctor may prescribe a short course."), para("Share your worries with a friend."), list(item("", "Sign up for the flu jab at your pharmacy")))),
		},
		{
			name: "share buttons list and boilerplate sections removed",
			in: art("T",
				sec("", 0, para("Body."), list(item("", "Facebook"), item("", "X"), item("", "Pinterest"), item("", "Email"), item("", "Print"))),
				sec("Related posts", 3, para("Some other article")),
				sec("Share this:", 3, para("Facebook")),
			),
			want: art("T", sec("", 0, para("Body."))),
		},
		{
			name: "option phrases extend the defaults",
			opts: "phrases: [\"brought to you by\"]",
			in:   art("T", sec("", 0, para("This guide is brought to you by Acme."), para("Body."))),
			want: art("T", sec("", 0, para("Body."))),
		},
		{
			name: "use_defaults false keeps default boilerplate",
			opts: "use_defaults: false",
			in:   art("T", sec("", 0, para("Advertisement"), para("Body."))),
			want: art("T", sec("", 0, para("Advertisement"), para("Body."))),
		},
		{
			name: "max_words bounds what a phrase can drop",
			opts: "max_words: 3",
			in:   art("T", sec("", 0, para("Click here"), para("Click here to read the full guide."))),
			want: art("T", sec("", 0, para("Click here to read the full guide."))),
		},
		{
			name: "bylines, reviewer and date lines in other languages",
			in: art("T", sec("", 0,
				para("Von Dr. med. Katharina Vogel"),
				para("Medizinisch geprüft von Prof. Dr. Jens Hartmann"),
				para("Veröffentlicht am 12.01.2022 · Aktualisiert am 3. März 2024"),
				para("Revisado médicamente por Dr. Andrés Quintero"),
				para("Publicado: 4 de junio de 2023 | Actualizado el 12 de enero de 2025"),
				para("Publié le 5 mars 2024"),
				para("Von allen Risikofaktoren ist Bluthochdruck der häufigste."),
				para("Por eso conviene medir la glucosa cada mañana."),
			)),
			want: art("T", sec("", 0, para("Von allen Risikofaktoren ist Bluthochdruck der häufigste."), para("Por eso conviene medir la glucosa cada mañana."))),
		},
		{
			name: "non-English and right-to-left text kept",
			in:   art("T", sec("", 0, para("Teilen Sie Ihre Erfahrungen."), para("شارك تجربتك مع الطبيب."), para("שתפו את הרופא."))),
			want: art("T", sec("", 0, para("Teilen Sie Ihre Erfahrungen."), para("شارك تجربتك مع الطبيب."), para("שתפו את הרופא."))),
		},
		{
			name: "date lines, reading times and photo credits in several languages",
			in: art("T", sec("", 0,
				para("November 20, 2019 - 11:28 AMT"),
				para("sexta-feira, 22 de outubro de 2010 às 20:13"),
				para("Stand: 07.11.2023, 07:30 Uhr"),
				para("1. Dezember 2021 15:12 Uhr"),
				para("20 Nov, 2019 05:47"),
				para("Tempo de leitura: 1 minuto"),
				para("Lesezeit: 3 Minuten"),
				para("5 min read"),
				para("Фото:: личный архив Олега Ильина"),
				para("Photo: Jane Doe for Health Weekly"),
				para("Kathrin Ziegler/Getty Images"),
				para("Anzeige"),
				para("Iklan"),
				para("Filed under: Nutrition |"),
				para("Text size"),
				para("Copyright @ 2019 The Daily Clinic."),
				para("Keith Bradsher contributed reporting from Hong Kong."),
				para("Fox News’ Jessica Napoli contributed to this report."),
				para("(Reporting by Will Dunham; Editing by Tom Brown)"),
				para("Body."),
			)),
			want: art("T", sec("", 0, para("(Reporting by Will Dunham; Editing by Tom Brown)"), para("Body."))),
		},
		{
			name: "dates, numbers and credits inside prose are kept",
			in: art("T", sec("", 0,
				para("Call +81 158-23-2012 to book."),
				para("On 3 February 2022 the clinic opened."),
				para("Monday 9 March: clinic closed for training."),
				para("Photographs of the rash help your doctor."),
				para("Doses: 1945 mg in 2020"),
				list(item("", "January 2024"), item("", "Take the tablet with food")),
			)),
			want: art("T", sec("", 0,
				para("Call +81 158-23-2012 to book."),
				para("On 3 February 2022 the clinic opened."),
				para("Monday 9 March: clinic closed for training."),
				para("Photographs of the rash help your doctor."),
				para("Doses: 1945 mg in 2020"),
				list(item("", "Take the tablet with food")),
			)),
		},
		{
			name: "a sentence-length heading over a date line stays; a short one goes with it",
			in: art("T",
				sec("Around 3 February you can receive the blessing of Saint Blasius, asked especially for protection from throat illness.", 2, para("26. Januar 2022")),
				sec("Updates", 2, para("January 22, 2014")),
				sec("Legend", 2, para("Body.")),
			),
			want: art("T",
				sec("Around 3 February you can receive the blessing of Saint Blasius, asked especially for protection from throat illness.", 2),
				sec("Legend", 2, para("Body.")),
			),
		},
		{name: "empty article", in: &article.Article{}, want: &article.Article{}},
	})
}

// sites[].boilerplate extends the phrase list for that site's articles only.
func TestDropBoilerplatePerSite(t *testing.T) {
	cfg := loadYAML(t, `
sites:
  - name: hearth
    start_urls: ["https://example.org/"]
    boilerplate: ["Hearthside Health is not a substitute"]
  - name: other
    start_urls: ["https://example.com/"]
pipeline:
  stages:
    - name: drop_boilerplate
`)
	r, err := Build(cfg.Pipeline, cfg.Sites)
	if err != nil {
		t.Fatal(err)
	}
	disclaimer := "Hearthside Health is not a substitute for professional advice."
	for _, tc := range []struct {
		site string
		want []article.Block
	}{
		{"hearth", []article.Block{para("Body.")}},
		{"other", []article.Block{para(disclaimer), para("Body.")}},
		{"", []article.Block{para(disclaimer), para("Body.")}},
	} {
		a := art("T", sec("", 0, para(disclaimer), para("Body.")))
		a.Site = tc.site
		r.Process(context.Background(), a)
		if d := cmp.Diff(tc.want, a.Sections[0].Blocks); d != "" {
			t.Errorf("site %q (-want +got):\n%s", tc.site, d)
		}
	}
}
