package export

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needPDFTools skips (or under CI=true fails) without Chromium and
// pdftotext (Debian's poppler-utils).
func needPDFTools(t *testing.T) string {
	t.Helper()
	msg := ""
	if findChromium() == "" {
		msg = "no Chromium found (apt-get install chromium)"
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		msg = "no pdftotext found (apt-get install poppler-utils)"
	}
	if msg != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return pdftotext
}

// pdfPages returns the text of each page of a PDF, whitespace collapsed.
func pdfPages(t *testing.T, pdftotext, file string) []string {
	t.Helper()
	out, err := exec.Command(pdftotext, "-layout", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(string(out), "\f")
	if last := pages[len(pages)-1]; strings.TrimSpace(last) == "" {
		pages = pages[:len(pages)-1]
	}
	for i, p := range pages {
		pages[i] = strings.Join(strings.Fields(p), " ")
	}
	return pages
}

// TestPDFHandout: one page per slide, each slide's heading on its page;
// with -notes, the notes on it too, and not without.
func TestPDFHandout(t *testing.T) {
	pdftotext := needPDFTools(t)
	for _, deck := range browserDecks {
		t.Run(deck.name, func(t *testing.T) {
			d := loadDeck(t, deck.path)
			var slides []int // the last step of each slide
			for i := range d.Slides {
				if i == len(d.Slides)-1 || d.Slides[i+1].StepOf != d.Slides[i].StepOf {
					slides = append(slides, i)
				}
			}
			dir := t.TempDir()
			plainPDF, notesPDF := filepath.Join(dir, "talk.pdf"), filepath.Join(dir, "notes.pdf")
			if _, err := Export(context.Background(), Options{Deck: deck.path, PDF: plainPDF}); err != nil {
				t.Fatal(err)
			}
			if _, err := Export(context.Background(), Options{Deck: deck.path, PDF: notesPDF, PDFNotes: true}); err != nil {
				t.Fatal(err)
			}
			without, withNotes := pdfPages(t, pdftotext, plainPDF), pdfPages(t, pdftotext, notesPDF)
			if len(without) != len(slides) || len(withNotes) != len(slides) {
				t.Fatalf("%d and %d pages (without and with notes), want %d, one per slide", len(without), len(withNotes), len(slides))
			}
			for page, i := range slides {
				m := firstHeading.FindStringSubmatch(d.Slides[i].HTML)
				if m == nil {
					m = []string{"", ""}
					if h3 := strings.Index(d.Slides[i].HTML, "<h3"); h3 >= 0 {
						m[1] = d.Slides[i].HTML[h3:]
					}
				}
				heading := plain2(m[1])
				if heading == "" {
					continue
				}
				if len(heading) > 30 {
					heading = heading[:30]
				}
				if !strings.Contains(without[page], heading) {
					t.Errorf("page %d lacks the heading %q of slide %d:\n%s", page+1, heading, d.Slides[i].Number, without[page])
				}
				// A piece of the notes that the slide does not show.
				notes, all, shown := "", plain(d.Slides[i].NotesHTML), plain(d.Slides[i].HTML)
				for k := 0; k+16 <= len(all) && notes == ""; k += 4 {
					if !strings.Contains(shown, all[k:k+16]) {
						notes = all[k : k+16]
					}
				}
				if notes == "" {
					continue
				}
				if !strings.Contains(withNotes[page], notes) {
					t.Errorf("with -notes, page %d lacks its notes %q:\n%s", page+1, notes, withNotes[page])
				}
				if strings.Contains(without[page], notes) {
					t.Errorf("without -notes, page %d has its notes %q", page+1, notes)
				}
			}
		})
	}
}

// plain2 is the text of some HTML as pdftotext gives it: tags dropped,
// whitespace collapsed, cut at a line's end (a PDF line may wrap).
func plain2(h string) string {
	s := plain(h)
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// TestPDFWithoutChromium: one clear line, what to install and the
// browser's own print, and nothing written.
func TestPDFWithoutChromium(t *testing.T) {
	t.Setenv("WIRETALK_CHROMIUM", filepath.Join(t.TempDir(), "no-such-browser"))
	out := filepath.Join(t.TempDir(), "talk.pdf")
	_, err := Export(context.Background(), Options{PDF: out})
	if !errors.Is(err, ErrNoChromium) {
		t.Fatalf("err = %v, want ErrNoChromium", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "apt-get install chromium") || !strings.Contains(msg, "Print → Save as PDF") {
		t.Errorf("the message: %q", msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a PDF was written")
	}
}
