package credits

import "testing"

func TestIsCreditLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"Medically reviewed by Jane Doe, MD", true},
		{"Medizinisch geprüft von Prof. Dr. Jens Hartmann", true},
		{"Revisado médicamente por Dr. Andrés Quintero", true},
		{"Relu par le Dr Claire Martin", true},
		{"Revisionato da Marco Bianchi", true},
		{"Medisch gecontroleerd door Anne de Vries", true},
		{"Zweryfikowane przez lek. Anna Nowak", true},
		{"Fact-checked by Owen Price", true},
		{"By Dana Whitfield", true},
		{"Von Dr. med. Katharina Vogel", true},
		{"Por Lucía Fernández Ortega", true},
		{"Veröffentlicht am 12.01.2022 · Aktualisiert am 3. März 2024", true},
		{"Publicado: 4 de junio de 2023 | Actualizado el 12 de enero de 2025", true},
		{"Published March 3, 2024", true},
		{"Last updated: 2024-10-08", true},
		{"Publié le 5 mars 2024", true},
		// prose, not credits
		{"By the end of the week most patients feel better.", false},
		{"Von allen Risikofaktoren ist Bluthochdruck der häufigste.", false},
		{"The study was reviewed by an ethics board before it began in 2019 and ran for three years.", false},
		{"On March 3, 2024 the clinic opened its new wing.", false},
		{"Por eso conviene medir la glucosa.", false},
		{"", false},
	} {
		if got := IsCreditLine(tc.line); got != tc.want {
			t.Errorf("IsCreditLine(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

func TestReviewLead(t *testing.T) {
	for _, s := range []string{"Medically reviewed by", "Clinically reviewed by:", "Fact checker:", "Reviewer:", "Medizinisch geprüft von", "Revisado por", "Revisão médica:", "Relu par", "Gecontroleerd door"} {
		if !MayNameReviewer(s) || !ReviewLead.MatchString(s+" Jane Doe") {
			t.Errorf("%q not a review lead", s)
		}
	}
	if m := ReviewLead.FindStringSubmatch("Fact-checked by Owen Price"); m == nil || m[1] == "" {
		t.Errorf("fact-check submatch: %q", m)
	}
}
