package pipeline

import (
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

func TestRepairGlued(t *testing.T) {
	runStageCases(t, "repair_glued", []stageCase{
		{
			name: "glued heading at the end of a paragraph starts a section",
			in: art("T", sec("Why It Works", 2,
				para("Increased Range of Motion: Regular massage can help improve overall function in the lower back.What to Remember"),
				para("While massage therapy can be beneficial, remember a few key points:"))),
			want: art("T",
				sec("Why It Works", 2, para("Increased Range of Motion: Regular massage can help improve overall function in the lower back.")),
				sec("What to Remember", 2, para("While massage therapy can be beneficial, remember a few key points:"))),
		},
		{
			name: "glued paragraph boundary",
			in:   art("T", sec("", 0, para("Always consult a healthcare provider about your conditions.Bottom line: A professional massage can help."))),
			want: art("T", sec("", 0, para("Always consult a healthcare provider about your conditions."), para("Bottom line: A professional massage can help."))),
		},
		{
			name: "glued heading in the last list item, lead section gets a level-2 heading",
			in:   art("T", sec("", 0, list(item("Keep Moving", "Walk daily."), item("Rest", "Sleep well.Seeking Further Advice")), para("If you're dealing with back pain, reach out."))),
			want: art("T",
				sec("", 0, list(item("Keep Moving", "Walk daily."), item("Rest", "Sleep well."))),
				sec("Seeking Further Advice", 2, para("If you're dealing with back pain, reach out."))),
		},
		{
			name: "question and exclamation boundaries, closing quotes",
			in:   art("T", sec("", 0, para(`Does it hurt?Yes, sometimes. She said "stop."Then it eased!Really.`))),
			want: art("T", sec("", 0, para("Does it hurt?"), para(`Yes, sometimes. She said "stop."`), para("Then it eased!"), para("Really."))),
		},
		{
			name: "abbreviations, initials, decimals, URLs, e-mail, acronyms are never split",
			in: art("T", sec("", 0,
				para("Use e.g.Ibuprofen or ask Dr.Smith in the U.S.A. today."),
				para("J.R.R.Tolkien wrote it; take 3.5 mg.Or 2.5.Never more."),
				para("See www.WebMD.com or https://example.org/Page.Html and mail Info@Example.org."),
				para("Built with Node.JS and ASP.NET by St.Louis Inc.Ltd staff."),
				para("PanARMENIAN.Net - Verified footage. Read USA.Today daily."),
			)),
			want: art("T", sec("", 0,
				para("Use e.g.Ibuprofen or ask Dr.Smith in the U.S.A. today."),
				para("J.R.R.Tolkien wrote it; take 3.5 mg."), para("Or 2.5."), para("Never more."),
				para("See www.WebMD.com or https://example.org/Page.Html and mail Info@Example.org."),
				para("Built with Node.JS and ASP.NET by St.Louis Inc.Ltd staff."),
				para("PanARMENIAN.Net - Verified footage. Read USA.Today daily."),
			)),
		},
		{
			name: "a glued trailing sentence is not a heading",
			in:   art("T", sec("", 0, para("It helps.Talk to your doctor before starting"))),
			want: art("T", sec("", 0, para("It helps."), para("Talk to your doctor before starting"))),
		},
		{
			name: "headings off",
			opts: "headings: false",
			in:   art("T", sec("", 0, para("In the lower back.What to Remember"))),
			want: art("T", sec("", 0, para("In the lower back."), para("What to Remember"))),
		},
		{
			name: "non-English and right-to-left text",
			in:   art("T", sec("", 0, para("Die Massage hilft.Das ist gut."), para("العلاج بالتدليك مفيد.وهذا جيد."), para("זה עוזר.וזה טוב."))),
			want: art("T", sec("", 0, para("Die Massage hilft."), para("Das ist gut."), para("العلاج بالتدليك مفيد.وهذا جيد."), para("זה עוזר.וזה טוב."))),
		},
		{name: "empty", in: &article.Article{}, want: &article.Article{}},
	})
}

func TestRepairGluedOptionErrors(t *testing.T) {
	cfg := loadYAML(t, stageYAML("repair_glued", "max_heading_words: 0"))
	if _, err := Build(cfg.Pipeline, nil); err == nil || err.Error() != "pipeline.stages[0].options.max_heading_words: must be ≥ 1, got 0" {
		t.Errorf("Build error = %v", err)
	}
}
