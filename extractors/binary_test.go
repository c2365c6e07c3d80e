package extractors

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// nulPage is an article page with NUL bytes in its head, title, an attribute and
// in the middle of paragraph words, as a broken CMS template writes them.
func nulPage() []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\x00<html lang=\"en\"><head><meta charset=\"utf-8\">")
	b.WriteString("<title>Massage\x00 therapy for back pain</title></head><body>")
	b.WriteString(`<article class="post` + "\x00" + `"><h1>Massage therapy for back pain</h1>`)
	paras := []string{
		"Massage therapy eases long-term low back pain for many adults, at least for a few weeks after a course of sessions.",
		"A typical course is one session a week for ten weeks; each session lasts between thirty and sixty minutes.",
		"Swedish massage uses long gliding strokes, while deep tissue massage works on the deeper layers of muscle.",
		"Tell your therapist about any medical conditions, and stop if the massage is painful rather than just firm.",
	}
	for i, p := range paras {
		if i == 1 {
			p = strings.Replace(p, "session", "ses\x00sion", 1)
		}
		fmt.Fprintf(&b, "<p>%s</p>\x00\n", p)
	}
	b.WriteString("</article></body></html>")
	return []byte(b.String())
}

func pngImage(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.UintN(256))
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func binaryBodies(t *testing.T) map[string][]byte {
	img := image.NewPaletted(image.Rect(0, 0, 1, 1), []color.Color{color.White, color.Black})
	var g, j bytes.Buffer
	if err := gif.Encode(&g, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("article.html")
	_, _ = w.Write(nulPage())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	gw := gzip.NewWriter(&gz)
	_, _ = gw.Write(nulPage())
	_ = gw.Close()
	random := make([]byte, 3000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	return map[string][]byte{
		"png":            pngImage(t),
		"png header":     []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01"),
		"gif":            g.Bytes(),
		"jpeg":           j.Bytes(),
		"zip":            z.Bytes(),
		"gzip":           gz.Bytes(),
		"pdf":            []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"),
		"random":         random,
		"elf":            append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), make([]byte, 200)...),
		"control bytes":  []byte("<html>\x00\x01\x02\x03 not text</html>"),
		"utf-16 no bom":  []byte("<\x00h\x00t\x00m\x00l\x00>\x00h\x00i\x00<\x00/\x00h\x00t\x00m\x00l\x00>\x00"),
		"bmp with nulls": append([]byte("BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00"), make([]byte, 64)...),
	}
}

// Binary content (images, archives, PDF, programs, mostly control bytes) is binary;
// text pages are not: a few NULs in HTML, UTF-16 with a BOM, ISO-2022-JP (escape
// sequences), windows-1252, a text starting like a BMP signature.
func TestLooksBinary(t *testing.T) {
	for name, body := range binaryBodies(t) {
		if !LooksBinary(body) {
			t.Errorf("%s: not seen as binary", name)
		}
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("<html><body><p>Hello</p></body></html>"))
	if err != nil {
		t.Fatal(err)
	}
	jis, err := japanese.ISO2022JP.NewEncoder().Bytes([]byte(strings.Repeat("<p>肩こり(katakori)と腰痛(yotsu)の話</p>", 40)))
	if err != nil {
		t.Fatal(err)
	}
	text := map[string][]byte{
		"nul page":       nulPage(),
		"one nul":        []byte("<p>a\x00 short page, with a single NUL byte in its text, read as a browser reads it</p>"),
		"utf-16 bom":     utf16,
		"iso-2022-jp":    jis,
		"windows-1252":   []byte("<p>caf\xe9 na\xefve \x80 \x93quoted\x94</p>"),
		"bmi":            []byte("BMI calculator: your body mass index is your weight divided by your height squared."),
		"tabs and forms": []byte("<pre>a\tb\r\n\fc</pre>"),
		"empty":          nil,
	}
	for name, body := range text {
		if LooksBinary(body) {
			t.Errorf("%s: seen as binary", name)
		}
	}
}

// A page with NUL bytes is read past them: every paragraph is extracted (a NUL in
// text is dropped as a browser drops it), and no NUL reaches the record.
func TestExtractReadsPastNUL(t *testing.T) {
	a := extract(t, Options{}, "https://example.com/massage", nulPage(), nil)
	for _, want := range []string{"Massage therapy eases", "one session a week", "Swedish massage uses", "stop if the massage is painful"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, a.Text)
		}
	}
	if !strings.Contains(a.Title, "therapy for back pain") {
		t.Errorf("title = %q", a.Title)
	}
	for field, v := range map[string]string{"text": a.Text, "title": a.Title, "description": a.Description} {
		if strings.ContainsRune(v, 0) {
			t.Errorf("%s holds a NUL: %q", field, v)
		}
	}
}
