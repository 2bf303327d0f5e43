package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// userTalk is the user's own talk, written for remark.
const userTalk = "../shared/decks/websockets-talk.md"

func TestCheckUserTalkIsClean(t *testing.T) {
	if _, err := os.Stat(userTalk); err != nil {
		t.Skipf("the user's talk is not here: %v", err)
	}
	code, stdout, stderr := runCLI(t, "check", userTalk)
	if code != exitOK {
		t.Fatalf("exit status %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	want := userTalk + ": 10 slides, 12 steps, 10 with notes, languages: http, javascript, ruby\n"
	if stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
}

func TestCheckJSONModel(t *testing.T) {
	if _, err := os.Stat(userTalk); err != nil {
		t.Skipf("the user's talk is not here: %v", err)
	}
	code, stdout, _ := runCLI(t, "check", "-json", userTalk)
	if code != exitOK {
		t.Fatalf("exit status %d", code)
	}
	var model struct {
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
	}
	if err := json.Unmarshal([]byte(stdout), &model); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
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
	}
	if !strings.Contains(stdout, `"<h1>Websockets</h1>`) {
		t.Error("HTML is escaped in the JSON; want it readable")
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
