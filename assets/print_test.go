package assets_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wiretalk/internal/browsertest"
)

// TestAudiencePagePrintsOneSlideAPage: the audience page printed from the
// browser (print.css) is the slide on screen on one 16:9 landscape page,
// without the page's chrome.
func TestAudiencePagePrintsOneSlideAPage(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no pdftotext (apt-get install poppler-utils)")
		}
		t.Skip("no pdftotext (apt-get install poppler-utils)")
	}
	f := newFakeServer(t, testDeck(t))
	ctx, _ := browsertest.New(t)
	open(t, ctx, f.URL+"/")
	showing(t, ctx, 0)
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "slide.pdf")
	os.WriteFile(file, pdf, 0o644)
	info, err := exec.Command(filepath.Join(filepath.Dir(pdftotext), "pdfinfo"), file).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(info), "Pages:           1\n") || !strings.Contains(string(info), "841.92 x 474") {
		t.Errorf("want one 297 x 167 mm page:\n%s", info)
	}
	text, err := exec.Command(pdftotext, file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	heading := browsertest.Eval[string](t, ctx, `document.querySelector('#frame h1, #frame h2').textContent`)
	if !strings.Contains(strings.Join(strings.Fields(string(text)), " "), heading) {
		t.Errorf("the page lacks the slide's heading %q:\n%s", heading, text)
	}
	if strings.Contains(string(text), "connecting") || strings.Contains(string(text), "live") && strings.Contains(string(text), "‹") {
		t.Errorf("the page's bar is printed:\n%s", text)
	}
}
