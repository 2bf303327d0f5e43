package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"wiretalk/slides/decktest"
)

// realDecks are the features deck, which runs everywhere, and the user's
// own talk, written for remark, where it is at hand (see decktest). Both
// have 10 slides in 12 steps, with http, javascript and ruby code.
func realDecks() []struct {
	name string
	open func(testing.TB) (string, []byte)
} {
	return []struct {
		name string
		open func(testing.TB) (string, []byte)
	}{{"features deck", decktest.Features}, {"user's talk", decktest.UserTalk}}
}

func TestCheckRealDecksAreClean(t *testing.T) {
	for _, c := range realDecks() {
		t.Run(c.name, func(t *testing.T) {
			path, _ := c.open(t)
			code, stdout, stderr := runCLI(t, "check", path)
			if code != exitOK {
				t.Fatalf("exit status %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			want := path + ": 10 slides, 12 steps, 10 with notes, languages: http, javascript, ruby\n"
			if stdout != want {
				t.Errorf("stdout = %q, want %q", stdout, want)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
		})
	}
}

// checkModel is the JSON that check -json prints, as a reader decodes it.
type checkModel struct {
	Slides []struct {
		Index      int               `json:"index"`
		Number     int               `json:"number"`
		Name       *string           `json:"name"`
		Classes    []string          `json:"classes"`
		Properties map[string]string `json:"properties"`
		HTML       string            `json:"html"`
		Notes      *string           `json:"notes"`
		Continued  bool              `json:"continued"`
	} `json:"slides"`
	Problems []any `json:"problems"`
	Options  *struct {
		HighlightLines         *bool `json:"highlightLines"`
		CountIncrementalSlides *bool `json:"countIncrementalSlides"`
	} `json:"options"`
}

func checkJSON(t *testing.T, args ...string) (int, checkModel, string) {
	t.Helper()
	code, stdout, _ := runCLI(t, append([]string{"check", "-json"}, args...)...)
	var model checkModel
	if err := json.Unmarshal([]byte(stdout), &model); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	return code, model, stdout
}

func TestCheckJSONModel(t *testing.T) {
	for _, c := range realDecks() {
		t.Run(c.name, func(t *testing.T) {
			path, _ := c.open(t)
			code, model, stdout := checkJSON(t, path)
			if code != exitOK {
				t.Fatalf("exit status %d", code)
			}
			if len(model.Slides) != 12 || model.Problems == nil || len(model.Problems) != 0 {
				t.Fatalf("got %d slides and problems %v; want 12 and []", len(model.Slides), model.Problems)
			}
			for i, s := range model.Slides {
				if s.Index != i || s.Name == nil || s.Notes == nil || s.Classes == nil || s.Properties == nil || s.HTML == "" && i != 9 {
					t.Errorf("slide %d incomplete: %+v", i, s)
				}
				if s.Continued != (i == 5 || i == 8) {
					t.Errorf("slide %d: continued = %v", i, s.Continued)
				}
				// No options: remark's countIncrementalSlides, a number per step.
				if s.Number != i+1 {
					t.Errorf("slide %d: number = %d, want %d", i, s.Number, i+1)
				}
			}
			if o := model.Options; o == nil || o.HighlightLines == nil || *o.HighlightLines || o.CountIncrementalSlides == nil || !*o.CountIncrementalSlides {
				t.Errorf("options = %+v, want remark's defaults, highlightLines false and countIncrementalSlides true", o)
			}
			if !strings.Contains(stdout, `"<h1>`) {
				t.Error("HTML is escaped in the JSON; want it readable")
			}
		})
	}
}

// check -json's number is the number the pages show (they show each
// step's number over the last step's): a count: false slide shows the
// counted slide's number before it, also at the end of a deck, and the
// deck's options are honoured.
func TestCheckJSONNumbers(t *testing.T) {
	dir := t.TempDir()
	deck := filepath.Join(dir, "numbers.md")
	src := "countIncrementalSlides: false\nhighlightLines: true\n\n# One\n--\nstep\n---\n```c\n*p = 0;\n```\n---\ncount: false\n\n# Thanks\n"
	if err := os.WriteFile(deck, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, model, _ := checkJSON(t, deck)
	if code != exitOK {
		t.Fatalf("exit status %d, problems %v", code, model.Problems)
	}
	var numbers []int
	for _, s := range model.Slides {
		numbers = append(numbers, s.Number)
	}
	if want := []int{1, 1, 2, 2}; !slices.Equal(numbers, want) {
		t.Errorf("numbers = %v, want %v (the last, 2, is the total the pages show)", numbers, want)
	}
	if h := model.Slides[2].HTML; !strings.Contains(h, `<span class="line hl">`) || strings.Contains(h, `<span class="o">*</span>`) {
		t.Errorf("highlightLines: true is not honoured:\n%s", h)
	}
}

// A broken deck: every problem on stdout as file:line: message, status 1.
func TestCheckBrokenDeck(t *testing.T) {
	dir := t.TempDir()
	deck := filepath.Join(dir, "broken.md")
	src := "name: intro\n# One\n![missing](gone.png)\n---\nname: intro\nclas: center\n\n```go\nfunc main() {\n"
	if err := os.WriteFile(deck, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "check", deck)
	if code != exitFail {
		t.Errorf("exit status %d, want %d", code, exitFail)
	}
	want := []string{
		deck + `:3: image "gone.png" not found next to the deck`,
		deck + `:5: duplicate slide name "intro", first used at line 1`,
		deck + `:6: property "clas" looks like a typo of "class"`,
		deck + ":8: unclosed code fence ```",
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), stdout)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want it to start with %q", i+1, lines[i], w)
		}
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
}

func TestCheckUsageAndUnreadable(t *testing.T) {
	if code, _, stderr := runCLI(t, "check"); code != exitUsage || !strings.Contains(stderr, "Usage: wiretalk check") {
		t.Errorf("no argument: status %d, stderr:\n%s", code, stderr)
	}
	if code, _, _ := runCLI(t, "check", "a.md", "b.md"); code != exitUsage {
		t.Errorf("two arguments: status %d, want %d", code, exitUsage)
	}
	code, stdout, stderr := runCLI(t, "check", filepath.Join(t.TempDir(), "nope.md"))
	if code != exitFail || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "nope.md") {
		t.Errorf("unreadable deck: status %d, stdout %q, stderr %q; want 1, nothing, one line", code, stdout, stderr)
	}
}
