package pipeline

import (
	"fmt"
	"strings"

	"github.com/healthcrawl/healthcrawl/article"
)

// topicSentences are distinct sentences on one topic (lower back pain).
var topicSentences = []string{
	"Lower back pain is one of the most common reasons people visit a doctor.",
	"Most episodes improve within a few weeks without any special treatment.",
	"Staying active is usually better than resting in bed for long periods.",
	"Gentle stretching can ease stiffness in the muscles around the spine.",
	"A physiotherapist can suggest exercises that suit your level of fitness.",
	"Heat packs may relax tight muscles and make movement more comfortable.",
	"Some people find that massage gives short-term relief from muscle tension.",
	"Painkillers such as ibuprofen can help, but check the dose with a pharmacist.",
	"Poor posture at a desk can strain the lower back over many months.",
	"Lifting heavy objects with a bent back is a frequent cause of injury.",
	"Core strengthening exercises support the spine and reduce future flare-ups.",
	"Sleeping on a medium-firm mattress helps some people with back pain.",
	"Stress and poor sleep can make pain feel worse than it otherwise would.",
	"See a doctor urgently if you have numbness in the groin or leg weakness.",
	"Back pain with fever or weight loss also needs a prompt medical review.",
	"Walking every day is a simple way to keep the back flexible and strong.",
	"Yoga and pilates classes teach controlled movement and better breathing.",
	"Smoking reduces blood flow to the discs and may slow down their repair.",
	"Keeping a healthy weight lowers the load carried by the lumbar spine.",
	"Most scans are not needed for back pain that is improving on its own.",
	"Chronic back pain lasts longer than three months and needs a plan.",
	"Talking therapies can help people cope with long-lasting pain and worry.",
	"Acupuncture has mixed evidence and is not offered everywhere for back pain.",
	"Surgery is only considered when a clear cause is found and other care fails.",
	"Children rarely have back pain, so a doctor should check them carefully.",
	"Pregnancy often causes back ache as posture and ligaments change.",
	"Sciatica is pain that travels down the leg from an irritated nerve root.",
	"A slipped disc can press on a nerve and cause tingling in the foot.",
	"Many people return to work before the pain has completely settled.",
	"Gradual return to normal activity prevents muscles from getting weak.",
	"Ice packs wrapped in a towel can calm a fresh muscle strain.",
	"Good shoes with cushioned soles reduce jolts through the spine when walking.",
	"Regular breaks from sitting help the back more than a perfect chair does.",
	"Swimming supports the body weight while the muscles keep working.",
	"Older adults may have back pain from wear in the small spinal joints.",
	"Osteoporosis can lead to fractures in the spine after minor falls.",
	"Keeping a pain diary helps you notice what makes symptoms better or worse.",
	"Some medicines for nerve pain cause drowsiness, so take care when driving.",
	"Manual therapy by a trained practitioner may help alongside exercise.",
	"Most people with back pain do not have a serious underlying disease.",
}

// topicArticle builds a record of n sentences starting at sentence off, grouped in
// paragraphs of four, with a heading every eight sentences.
func topicArticle(url, title string, off, n int) *article.Article {
	a := &article.Article{URL: url, Title: title, PageType: article.PageArticle, Language: "en"}
	cur := article.Section{}
	var p []string
	for i := 0; i < n; i++ {
		p = append(p, topicSentences[(off+i)%len(topicSentences)])
		if len(p) == 4 {
			cur.Blocks = append(cur.Blocks, article.Block{Type: article.BlockParagraph, Text: strings.Join(p, " ")})
			p = nil
		}
		if (i+1)%8 == 0 && i+1 < n {
			a.Sections = append(a.Sections, cur)
			cur = article.Section{Heading: fmt.Sprintf("Part %d of the Guide", (i+1)/8+1), Level: 2}
		}
	}
	if len(p) > 0 {
		cur.Blocks = append(cur.Blocks, article.Block{Type: article.BlockParagraph, Text: strings.Join(p, " ")})
	}
	a.Sections = append(a.Sections, cur)
	a.Finalize()
	return a
}

// corpus is a set of distinct raw records with the defects the pipeline repairs.
func corpus() []*article.Article {
	seedLike := &article.Article{
		URL: "https://example.org/massage", Title: "Can Massage Therapy Help Lower Back Pain?", PageType: article.PageArticle,
		Sections: []article.Section{
			{Blocks: []article.Block{
				{Type: "paragraph", Text: "Can Massage Therapy Help Lower Back Pain?"},
				{Type: "paragraph", Text: "Are you dealing with lower back pain and wondering if massage therapy could be the solution?\u00a0I have personal experience with this issue."},
				{Type: "paragraph", Text: "Share this article"},
			}},
			{Heading: "Why It Works", Level: 2, Blocks: []article.Block{
				{Type: "paragraph", Text: "Massage therapy has several benefits that can help alleviate lower back pain."},
				{Type: "paragraph", Text: "Increased Blood Flow: Massage promotes blood flow to the area. Release of Tension: Massage can provide temporary relief. Pain Relief: The manipulation of tissues can trigger the release of endorphins. Increased Range of Motion: Regular massage can help restore flexibility in the lower back.What to Remember"},
				{Type: "paragraph", Text: "While massage therapy can be beneficial, it's important to remember a few key points:"},
				{Type: "list", Items: []article.ListItem{{Text: "It's Not a Standalone Fix: Massage alone may not completely eliminate the problem."}, {Text: "Keep Moving: Light walking can help maintain relaxation."}}},
				{Type: "paragraph", Text: "Always consult a healthcare provider about any underlying conditions.Bottom line: A professional massage can help reduce lower back pain by loosening tight muscles."},
			}},
		},
		Related: []article.Related{
			{Title: "Understanding the Role of Glial Cells in Supporting Neurons", Snippet: "Understanding the Role of Glial Cells in Supporting Neurons Glial cells, also kn"},
			{Title: "Are There Any Side Effects or Problems Associated with Buying Generic Brands of Food Medicine and Cosmetics?", Snippet: "Are There Any Side Effects or Problems Associated with Buying Generic Brands of"},
		},
	}
	german := &article.Article{URL: "https://example.de/ruecken", Title: "Rückenschmerzen", Language: "en", PageType: article.PageArticle,
		Sections: []article.Section{{Blocks: []article.Block{{Type: "paragraph", Text: strings.Repeat("Massagetherapie hat mehrere Vorteile, die helfen können, Schmerzen im unteren Rücken zu lindern. Eine erhöhte Durchblutung ist wichtig für die Heilung. ", 3) + "Dr. Müller empfiehlt z. B. 3,5 mg."}}}}}
	arabic := &article.Article{URL: "https://example.org/ar", Title: "العلاج بالتدليك", PageType: article.PageArticle,
		Sections: []article.Section{{Blocks: []article.Block{{Type: "paragraph", Text: strings.Repeat("العلاج بالتدليك له فوائد عديدة يمكن أن تساعد في تخفيف آلام أسفل الظهر. زيادة تدفق الدم وتحرير توتر العضلات من الجوانب الرئيسية. ", 4)}}}}}
	return []*article.Article{
		seedLike,
		topicArticle("https://example.org/a", "Back Pain: What Helps", 0, 20),
		topicArticle("https://example.org/b", "Living With Back Pain", 20, 20),
		german,
		arabic,
	}
}
