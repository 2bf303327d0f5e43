package server

import (
	"testing"

	"wiretalk/slides/decktest"
)

// testTalk is a deck the browser tests walk through: source returns its
// text ("" is the embedded talk), or skips the test.
type testTalk struct {
	name   string
	source func(t *testing.T) string
}

// talks are the decks of TestBrowserPhoneLayout and
// TestBrowserInspectorOnTheDemoSlide: the embedded talk; the features deck
// (testdata/decks/features.md), which has every feature of the user's talk
// (slides/talk_test.go holds it to that); and the user's own talk, beside
// the repository on the developers' machines only: without it that case
// skips naming the file, and fails under CI=true (see slides/decktest).
var talks = []testTalk{
	{"embedded talk", func(*testing.T) string { return "" }},
	{"features deck", func(t *testing.T) string { _, src := decktest.Features(t); return string(src) }},
	{"user's talk", func(t *testing.T) string { _, src := decktest.UserTalk(t); return string(src) }},
}
