package assets_test

import (
	"io/fs"
	"testing"

	"wiretalk/assets"
)

// The phone loads interact.js and interact.css after the slide shows, so
// they are outside the first load's 8 KB; they have a budget of their own.
func TestInteractWeight(t *testing.T) {
	total := 0
	for _, name := range []string{"interact.js", "interact.css"} {
		b, err := fs.ReadFile(assets.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		n := gzipped(t, b)
		t.Logf("%-14s %5d bytes, %5d gzipped", name, len(b), n)
		total += n
	}
	if total > 5<<10 {
		t.Errorf("the phone's interaction JS+CSS is %d bytes gzipped, over its 5 KB budget", total)
	}
}
