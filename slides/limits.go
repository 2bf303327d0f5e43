package slides

import (
	"html"
	"strings"
)

// Limits that keep Parse's time and memory bounded whatever the deck.
// The scanner is linear by construction, but what it hands on is not:
// goldmark takes time quadratic in a piece of Markdown for some inputs
// (say thousands of "[a](" or of nested list markers), chroma's lexers
// can backtrack for long on some code, a GFM table pads every row to its
// header's width, and each "--" step renders its whole slide again. Real
// decks stay far below these limits: the user's talk renders about 12 KB
// of HTML in all, no piece over 3 KB.
const (
	// maxDeckSize is the largest deck read, in bytes.
	maxDeckSize = 1 << 20
	// maxPieceSize is the most Markdown rendered at once (a step's body,
	// its notes, a content class). A larger piece is shown as plain text.
	maxPieceSize = 16 << 10
	// maxDeckMarkdown is the most Markdown rendered for a whole deck;
	// steps after it are left empty.
	maxDeckMarkdown = 512 << 10
	// maxHighlight is the largest code block chroma highlights, and
	// maxDeckHighlight the most code it highlights in a deck; the rest is
	// shown plain, without a problem.
	maxHighlight     = 8 << 10
	maxDeckHighlight = 256 << 10
	// maxTableColumns is the widest table delimiter row taken as a table.
	maxTableColumns = 64
	// maxClassDepth bounds the nesting of content classes; deeper ones are
	// kept as literal text.
	maxClassDepth = 32
)

// isWideTableRow reports whether line is a table delimiter row (pipes,
// dashes, colons and spaces) with more than maxTableColumns cells.
func isWideTableRow(line string) bool {
	if strings.Count(line, "|") <= maxTableColumns || !strings.Contains(line, "-") {
		return false
	}
	return strings.Trim(line, "|-: \t") == ""
}

// tooLarge renders a piece of Markdown over maxPieceSize as plain text.
func tooLarge(md string) string {
	return `<pre class="wt-too-large">` + html.EscapeString(md) + "</pre>"
}
