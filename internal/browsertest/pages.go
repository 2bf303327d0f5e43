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

// onScreen is a JavaScript function of a list of CSS selectors: "" when
// the first element each finds is shown whole inside the viewport and no
// two of them overlap, else what is wrong.
const onScreen = `(sels => {
	const boxes = sels.map(s => [s, document.querySelector(s)?.getBoundingClientRect()]);
	for (const [s, r] of boxes) {
		if (!r) return s + ' is not in the page';
		if (!r.width || !r.height) return s + ' is not shown';
		if (r.left < 0 || r.top < 0 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1)
			return s + ' is at ' + [r.left, r.top, r.right, r.bottom].map(Math.round).join(',') + ', not inside the ' + innerWidth + 'x' + innerHeight + ' viewport';
	}
	for (const [i, [a, ra]] of boxes.entries()) for (const [b, rb] of boxes.slice(i + 1))
		if (ra.left < rb.right - 1 && rb.left < ra.right - 1 && ra.top < rb.bottom - 1 && rb.top < ra.bottom - 1)
			return a + ' overlaps ' + b;
	return '';
})`

// OnScreen returns "" when the first element each selector finds, in the
// tab of ctx, is shown whole inside the viewport (readable without
// scrolling) and no two of them overlap; else it says what is wrong.
func OnScreen(t testing.TB, ctx context.Context, selectors ...string) string {
	t.Helper()
	list := "["
	for i, s := range selectors {
		if i > 0 {
			list += ", "
		}
		list += JS(s)
	}
	return Eval[string](t, ctx, onScreen+"("+list+"])")
}
