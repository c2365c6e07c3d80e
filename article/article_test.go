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
