package main

import (
	"strings"

	"rsc.io/qr"
)

// terminalQR draws a QR code of text for a terminal: two rows of modules
// per line with the half-block characters, black on white whatever the
// terminal's colours (phones read dark-on-light codes most reliably), with
// the quiet zone the standard asks for around it.
func terminalQR(text string) (string, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", err
	}
	const quiet = 2 // modules of white margin (4 is the standard's; 2 reads fine on a screen)
	n := code.Size + 2*quiet
	black := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		return x >= 0 && y >= 0 && x < code.Size && y < code.Size && code.Black(x, y)
	}
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		b.WriteString("  \x1b[30;47m") // black on white
		for x := 0; x < n; x++ {
			top, bottom := black(x, y), black(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\x1b[0m\n")
	}
	return b.String(), nil
}
