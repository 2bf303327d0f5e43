package slides

import "testing"

// LocalPath decides which references are files next to the deck, for
// Deck.Files and for the export that inlines them.
func TestLocalPath(t *testing.T) {
	tests := []struct {
		ref, want string // want "": not a local file
	}{
		{"img/a.png", "img/a.png"},
		{"  ./img//a.png ", "img/a.png"},
		{"img/a%20b.png?v=2#top", "img/a b.png"},
		{"../secret.png", "../secret.png"}, // listed, then refused by checkFiles
		{"https://example.org/a.png", ""},
		{"HTTP://example.org/a.png", ""},
		{"data:image/png;base64,AAAA", ""},
		{"//example.org/a.png", ""},
		{"/abs/a.png", ""},
		{"#frag", ""},
		{"?only-query", ""},
		{"", ""},
		{"c++:x", ""},
		{"1a:b.png", "1a:b.png"}, // a scheme starts with a letter
	}
	for _, tt := range tests {
		got, ok := LocalPath(tt.ref)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("LocalPath(%q) = %q, %v; want %q", tt.ref, got, ok, tt.want)
		}
	}
}
