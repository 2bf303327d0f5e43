package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"wiretalk/slides"
)

// runCheck parses a deck and reports its problems. Problems go to stdout,
// one "file:line: message" per line, so that they can be piped to an
// editor or grep; the exit status says whether there were any.
func runCheck(e *env, args []string) int {
	flags := newFlagSet("check", "wiretalk check [-json] DECK.md",
		"Check parses a deck written in remark's Markdown dialect, as the server\n"+
			"would show it, and reports its problems on stdout as file:line: message\n"+
			"(exit status 1). A deck without problems gets a one-line summary (exit\n"+
			"status 0). Images are looked for next to the deck. With -json it prints\n"+
			"the parsed deck instead, problems included, with the same exit status.")
	asJSON := flags.Bool("json", false, "print the parsed deck as JSON: its slides (one per step shown) and problems")
	if done, code := parseFlags(e, flags, args); done {
		return code
	}
	if flags.NArg() != 1 {
		return usageError(e, flags, "want one deck file, got %d arguments", flags.NArg())
	}
	file := flags.Arg(0)
	src, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(e.stderr, "wiretalk check: %v\n", err)
		return exitFail
	}
	d := slides.Parse(file, src, os.DirFS(filepath.Dir(file)))

	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			fmt.Fprintf(e.stderr, "wiretalk check: %v\n", err)
			return exitFail
		}
	} else {
		for _, p := range d.Problems {
			fmt.Fprintln(e.stdout, p)
		}
		if len(d.Problems) == 0 {
			fmt.Fprintln(e.stdout, deckSummary(d))
		}
	}
	if len(d.Problems) > 0 {
		return exitFail
	}
	return exitOK
}

// deckSummary describes a deck in one line, e.g.
// "talk.md: 10 slides, 12 steps, 10 with notes, languages: go, http".
func deckSummary(d *slides.Deck) string {
	count, notes := 0, 0
	for _, s := range d.Slides {
		if !s.Continued {
			count++
		}
		if s.NotesHTML != "" {
			notes++
		}
	}
	langs := "none"
	if len(d.Languages) > 0 {
		langs = strings.Join(d.Languages, ", ")
	}
	return fmt.Sprintf("%s: %s, %s, %d with notes, languages: %s",
		d.Name, countNoun(count, "slide"), countNoun(len(d.Slides), "step"), notes, langs)
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
