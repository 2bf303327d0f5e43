package browsertest

import (
	"context"
	"fmt"
	"testing"
)

// What wiretalk's pages show, in the words their tests share.

// Shows is a JavaScript predicate: the slide box with the given id
// ("frame" on the audience page, "current" or "upcoming" on the
// presenter's) shows the step of that index.
func Shows(box string, index int) string {
	return fmt.Sprintf(`document.querySelector('#%s > .wt-slide')?.dataset.index === '%d'`, box, index)
}

// Sideways returns how many CSS pixels the page in the tab of ctx can be
// scrolled sideways: 0 when it fits its window, as every page must (wide
// code and diagrams scroll in boxes of their own).
func Sideways(t testing.TB, ctx context.Context) int {
	t.Helper()
	return Eval[int](t, ctx, `(d => d.scrollWidth - d.clientWidth)(document.scrollingElement)`)
}
