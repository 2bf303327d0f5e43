package main

import (
	"errors"
	"fmt"

	"wiretalk/export"
)

func runExport(e *env, args []string) int {
	fs := newFlagSet("export", "wiretalk export [flags] [DECK.md]",
		"Export writes DECK.md (or wiretalk's own talk) as a static site that works\n"+
			"opened from a file, with no network, or from any static host: index.html, its\n"+
			"assets and the deck's local images, nothing else. Readers step through it with\n"+
			"the keys, swipes and buttons of the live pages, link to #12 or #name, read the\n"+
			"notes as a transcript, and get an overview of all slides (key o).\n\n"+
			"A deck with problems exports nothing: they are printed as check prints them.\n"+
			"The output folder must be empty or hold an earlier export, whose files alone\n"+
			"are replaced. Remote images are left as they are, one line each on stderr.\n\n"+
			"With -pdf it prints a handout instead, one 16:9 page per slide (its last step),\n"+
			"with a local Chromium; -notes puts the notes under each slide.")
	out := fs.String("o", "", "output `folder` (default DECKNAME-export), or file with -single (default DECKNAME.html)")
	single := fs.Bool("single", false, "write one self-contained HTML file: styles, script and images inlined")
	noNotes := fs.Bool("no-notes", false, "leave the speaker notes out of every file")
	pdf := fs.String("pdf", "", "print a handout to this PDF `file` instead (one 16:9 page per slide; needs Chromium)")
	pdfNotes := fs.Bool("notes", false, "with -pdf: the notes under each slide")
	replay := fs.String("replay", "", "replay this inspector recording `file` on the Demo slide (default: record a session now)")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 1 {
		return usageError(e, fs, "one deck at most, got %d arguments", fs.NArg())
	}
	if *pdfNotes && *pdf == "" {
		return usageError(e, fs, "-notes goes with -pdf")
	}
	if *pdf != "" && (*single || *out != "") {
		return usageError(e, fs, "-pdf writes the PDF only: -o and -single do not go with it")
	}
	res, err := export.Export(e.ctx, export.Options{
		Deck:     fs.Arg(0),
		Out:      *out,
		Single:   *single,
		NoNotes:  *noNotes,
		Replay:   *replay,
		PDF:      *pdf,
		PDFNotes: *pdfNotes,
		Warn:     func(line string) { fmt.Fprintln(e.stderr, line) },
	})
	var pe *export.ProblemsError
	switch {
	case errors.As(err, &pe):
		for _, p := range pe.Problems {
			fmt.Fprintln(e.stdout, p)
		}
		fmt.Fprintf(e.stderr, "wiretalk export: %v\n", err)
		return exitFail
	case err != nil:
		fmt.Fprintf(e.stderr, "wiretalk export: %v\n", err)
		return exitFail
	}
	if *single || *pdf != "" {
		fmt.Fprintf(e.stdout, "wrote %s\n", res.Out)
	} else {
		fmt.Fprintf(e.stdout, "wrote %s/ (%s): open %s/index.html\n", res.Out, countNoun(len(res.Files), "file"), res.Out)
	}
	return exitOK
}
