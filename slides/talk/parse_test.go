package talk

import (
	"strings"
	"testing"

	"wiretalk/slides"
)

// The talk parses without problems, with the options it sets on its first
// slide: highlighted lines, and steps numbered as their slide.
func TestTalkParsesWithItsOptions(t *testing.T) {
	d, err := slides.Load(FS, Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Problems) > 0 {
		t.Errorf("problems: %v", d.Problems)
	}
	if want := (slides.Options{HighlightLines: true, CountIncrementalSlides: false}); d.Options != want {
		t.Errorf("options = %+v, want %+v", d.Options, want)
	}
	all := steps(readDeck(t))
	if len(d.Slides) != len(all) {
		t.Fatalf("%d steps parsed, %d in the source", len(d.Slides), len(all))
	}
	hl := 0
	for i, s := range d.Slides {
		if s.Number != all[i].slide {
			t.Errorf("step %d: number %d, want its slide's, %d", i, s.Number, all[i].slide)
		}
		hl += strings.Count(s.HTML, `<span class="line hl">`)
		if strings.Contains(s.HTML, `<span class="line hl"><span class="cl"><span class="o">*`) {
			t.Errorf("step %d: a highlighted line still shows its *", i)
		}
	}
	if hl == 0 {
		t.Error("no highlighted code line in the talk")
	}
	if got := d.Title(); got != "WebSockets, frame by frame" {
		t.Errorf("title = %q", got)
	}
}
