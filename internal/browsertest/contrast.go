package browsertest

import (
	"context"
	"testing"
)

// colours defines, for the expressions below: rgba (a CSS colour as
// numbers), lum (WCAG 2's relative luminance of [r, g, b]), and behind (the
// colour behind an element's text, or null over a background image;
// gradients count as shading over the background colour).
const colours = `	const rgba = c => (c.match(/[\d.]+/g) || []).map(Number);
	const lum = ([r, g, b]) => {
		const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
	};
	const canvas = () => {
		const d = document.body.appendChild(document.createElement('div'));
		d.style.backgroundColor = 'Canvas';
		const c = rgba(getComputedStyle(d).backgroundColor);
		d.remove();
		return c.slice(0, 3);
	};
	const behind = el => {
		for (let e = el; e; e = e.parentElement) {
			const s = getComputedStyle(e);
			if (s.backgroundImage.includes('url(')) return null; // gradients: edge shades over the colour
			const c = rgba(s.backgroundColor);
			if (c.length === 3 || c[3] >= 0.99) return c.slice(0, 3);
		}
		return canvas();
	};
`

// lowContrast lists the visible text inside the elements that the CSS
// selector (the argument) finds whose colour is below WCAG 2's AA contrast
// against what is behind it: 4.5:1, or 3:1 for large text (24 px, or 18.66
// px bold). What is behind is the nearest opaque background colour of the
// element or an ancestor, else the page's canvas; text over a background
// image is left out, since its colours cannot be read from the styles, and
// so are disabled controls, as WCAG allows. Opacity fades the text.
const lowContrast = `(sel => {
` + colours + `	const out = [];
	for (const root of document.querySelectorAll(sel)) {
		const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
		for (let n; (n = walk.nextNode());) {
			const el = n.parentElement;
			if (!n.data.trim() || !el.getClientRects().length) continue;
			const s = getComputedStyle(el);
			if (s.visibility === 'hidden' || el.closest(':disabled')) continue; // WCAG: disabled controls are exempt
			const bg = behind(el);
			if (!bg) continue;
			const fg = rgba(s.color);
			let a = fg.length === 4 ? fg[3] : 1;
			for (let e = el; e; e = e.parentElement) a *= parseFloat(getComputedStyle(e).opacity); // a faded bar fades its text
			const mixed = fg.slice(0, 3).map((v, i) => v * a + bg[i] * (1 - a));
			const [hi, lo] = [lum(mixed), lum(bg)].sort((x, y) => y - x);
			const ratio = (hi + 0.05) / (lo + 0.05);
			const px = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
			const need = px >= 24 || (bold && px >= 18.66) ? 3 : 4.5;
			if (ratio < need) out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') +
				' "' + n.data.trim().slice(0, 30) + '": ' + ratio.toFixed(2) + ':1 (' + s.color + ' on rgb(' + bg.join(', ') + ')), needs ' + need + ':1');
		}
	}
	return out;
})`

// LowContrast returns the visible text inside the elements that selector
// finds, in the tab of ctx, whose colour does not stand out from its
// background as WCAG 2 AA asks (4.5:1; 3:1 for large text), each as the
// element, the start of its text, and the two colours. Text over a
// background image is not checked.
func LowContrast(t testing.TB, ctx context.Context, selector string) []string {
	t.Helper()
	return Eval[[]string](t, ctx, lowContrast+"("+JS(selector)+")")
}

// Luminance returns the relative luminance (WCAG 2: 0 black, 1 white) of
// what is behind the text of the first element selector finds: the
// background colour of it or its nearest ancestor with an opaque one, else
// the page's canvas; -1 over a background image.
func Luminance(t testing.TB, ctx context.Context, selector string) float64 {
	t.Helper()
	return Eval[float64](t, ctx, `(sel => {
`+colours+`	const bg = behind(document.querySelector(sel));
	return bg ? lum(bg) : -1;
})(`+JS(selector)+`)`)
}
