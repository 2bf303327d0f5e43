package server

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"wiretalk/slides"
)

// usersTalkPath is a real talk by a user, written for remark. It lives
// beside the repository on the developers' machines only, so the tests that
// read it skip without it (and fail under CI=true, where it must be there).
const usersTalkPath = "../../shared/decks/websockets-talk.md"

// featuresPath is our own deck with every feature of the user's talk, so
// that whatever the tests prove on that talk is proven in a bare clone too.
const featuresPath = "testdata/features.md"

// usersTalk returns the user's talk, or skips the test (fails under
// CI=true) with a message naming the file when it is not there.
func usersTalk(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(usersTalkPath)
	if err == nil {
		return string(b)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(usersTalkPath)
	msg := "the user's talk " + abs + " (../shared/decks/websockets-talk.md beside the repository) is not here; " +
		"the same features are tested on " + featuresPath
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// featuresDeck returns testdata/features.md.
func featuresDeck(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(featuresPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// talk is a deck the browser tests walk through: "" is the embedded talk;
// source may skip the test.
type testTalk struct {
	name   string
	source func(t *testing.T) string
}

// talks are the decks of TestBrowserPhoneLayout and
// TestBrowserInspectorOnTheDemoSlide.
var talks = []testTalk{
	{"embedded talk", func(*testing.T) string { return "" }},
	{"features deck", featuresDeck},
	{"user's talk", usersTalk},
}

// deckFeatures are what the user's talk does that a deck of our own must
// do too, each as a test over the parsed deck.
var deckFeatures = []struct {
	name string
	has  func(d *slides.Deck) bool
}{
	{"a remote background-image: URL", func(d *slides.Deck) bool {
		return slices.ContainsFunc(d.Slides, func(s slides.Slide) bool {
			bg := s.Properties["background-image"]
			return strings.Contains(bg, "url(http://") || strings.Contains(bg, "url(https://")
		})
	}},
	{"a slide that is only a background, with notes", func(d *slides.Deck) bool {
		return slices.ContainsFunc(d.Slides, func(s slides.Slide) bool {
			return s.Properties["background-image"] != "" && strings.TrimSpace(s.HTML) == "" && s.NotesHTML != ""
		})
	}},
	{"notes of its own on a -- step", func(d *slides.Deck) bool {
		return slices.ContainsFunc(d.Slides, func(s slides.Slide) bool {
			return s.Continued && s.NotesHTML != "" && s.NotesHTML != d.Slides[s.StepOf].NotesHTML
		})
	}},
	{"http code", func(d *slides.Deck) bool { return slices.Contains(d.Languages, "http") }},
	{"ruby code", func(d *slides.Deck) bool { return slices.Contains(d.Languages, "ruby") }},
	{"javascript code", func(d *slides.Deck) bool { return slices.Contains(d.Languages, "javascript") }},
	{"the ASCII frame diagram", func(d *slides.Deck) bool {
		return slices.ContainsFunc(d.Slides, func(s slides.Slide) bool {
			return strings.Contains(s.HTML, "|F|R|R|R| opcode|M| Payload len |")
		})
	}},
	{"a slide titled Demo", func(d *slides.Deck) bool {
		return slices.ContainsFunc(d.Slides, func(s slides.Slide) bool { return strings.Contains(s.HTML, ">Demo</h1>") })
	}},
}

// TestFeaturesDeckHasTheUsersFeatures: testdata/features.md parses without
// problems and has every feature of the user's talk listed in
// deckFeatures, which the user's talk has too (when it is here).
func TestFeaturesDeckHasTheUsersFeatures(t *testing.T) {
	for _, tc := range talks[1:] {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.source(t)
			d := slides.Parse("talk.md", []byte(src), os.DirFS(t.TempDir()))
			if len(d.Problems) > 0 {
				t.Errorf("problems: %v", d.Problems)
			}
			for _, f := range deckFeatures {
				if !f.has(d) {
					t.Errorf("the deck has no %s", f.name)
				}
			}
		})
	}
}
