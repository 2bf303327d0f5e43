package slides

import "testing"

// Style is the one place the live pages and the export turn a slide's
// background properties into CSS; parsed from real property lines, so
// the inheritance from a template is covered too.
func TestSlideStyle(t *testing.T) {
	tests := []struct {
		name, deck, want string
	}{
		{"no background, no style", "# A\n", ""},
		{"image alone covers the slide, centred",
			"background-image: url(a.png)\n\n# A\n",
			"background-image: url(a.png); background-size: cover; background-position: center;"},
		{"image with a size keeps the author's size and position",
			"background-image: url(a.png)\nbackground-size: contain\nbackground-position: top\n\n# A\n",
			"background-image: url(a.png); background-size: contain; background-position: top;"},
		{"colour alone, trimmed",
			"<!-- background-color:   #123 -->\n\n# A\n",
			"background-color: #123;"},
		{"a value that would end the declaration is dropped",
			"background-color: red; color: blue\nbackground-position: {x}\n\n# A\n",
			""},
		{"other properties make no style",
			"class: center\nminutes: 3\n\n# A\n",
			""},
		{"inherited from the template",
			"name: t\nlayout: true\nbackground-color: black\n---\n# A\n",
			"background-color: black;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Parse("s.md", []byte(tt.deck), nil)
			if len(d.Slides) != 1 {
				t.Fatalf("%d slides, want 1; problems %v", len(d.Slides), d.Problems)
			}
			if got := d.Slides[0].Style(); got != tt.want {
				t.Errorf("Style() = %q, want %q", got, tt.want)
			}
		})
	}
}
