package article

import "testing"

func TestCountWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"Can Massage Therapy Help Lower Back Pain?", 7},
		{"It's not a standalone fix: 3.5 mg, e.g. twice.", 11}, // decimals and abbreviations split at the dot
		{"don’t stop", 2},
		{"Ärzte empfehlen Bewegung", 3},
		{"नमस्ते दुनिया", 2}, // combining marks stay inside the word
		{"健康的な食事", 6},        // ideographs and kana: one word each
		{"مرحبا بالعالم", 2}, // right-to-left
		{"  \n\t ", 0},
	} {
		if got := CountWords(tc.in); got != tc.want {
			t.Errorf("CountWords(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func BenchmarkCountWords(b *testing.B) {
	s := "Massage therapy has several benefits that can help alleviate lower back pain. Increasing blood flow and releasing muscle tension are key aspects. "
	for b.Loop() {
		CountWords(s)
	}
}

// TestFinalizeLeavesTOCOutOfText: a block with a role (a table of contents)
// stays in sections but not in Text or WordCount, and a heading over nothing
// but such blocks ("Contents") is left out with it.
func TestFinalizeLeavesTOCOutOfText(t *testing.T) {
	toc := Block{Type: BlockList, Role: RoleTOC, Items: []ListItem{{Text: "Symptoms"}, {Text: "Causes"}}}
	a := &Article{Sections: []Section{
		{Blocks: []Block{toc, {Type: BlockParagraph, Text: "Lead text here."}}},
		{Heading: "Contents", Level: 2, Blocks: []Block{toc}},
		{Heading: "Symptoms", Level: 2, Blocks: []Block{{Type: BlockParagraph, Text: "Thirst."}}},
		{Heading: "Empty heading kept", Level: 2},
	}}
	a.Finalize()
	want := "Lead text here.\n\nSymptoms\n\nThirst.\n\nEmpty heading kept"
	if a.Text != want {
		t.Errorf("text = %q, want %q", a.Text, want)
	}
	if a.WordCount != 8 {
		t.Errorf("word_count = %d, want 8", a.WordCount)
	}
	if len(a.Sections[1].Blocks) != 1 || a.Sections[1].Blocks[0].Role != RoleTOC {
		t.Errorf("TOC block not kept in sections: %+v", a.Sections[1])
	}
}
