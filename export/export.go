package export

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"path/filepath"
	"slices"

	"wiretalk/assets"
	"wiretalk/slides"
)

// Options say what to export and where. The zero value exports the
// built-in talk as a folder named after it.
type Options struct {
	Deck    string // the deck's Markdown file; "" for wiretalk's own talk
	Out     string // the folder (or with Single, the file) to write; "" for DECKNAME-export (DECKNAME.html)
	Single  bool   // one self-contained HTML file instead of a folder
	NoNotes bool   // leave the speaker notes out of every file
	Replay  string // an inspector recording to replay; "" records a session now (when the deck has an inspector)

	// PDF, when set, is the handout to print instead of a site: one 16:9
	// page per slide, with the notes under it if PDFNotes.
	PDF      string
	PDFNotes bool

	// Warn gets one line per remote reference (file:line: ...), which
	// will not show offline. Nil discards them.
	Warn func(line string)
}

// ProblemsError is returned for a deck with problems: nothing was written.
type ProblemsError struct {
	Problems []slides.Problem
}

func (e *ProblemsError) Error() string {
	return fmt.Sprintf("the deck has %d problems; nothing was exported", len(e.Problems))
}

// Result says what an export wrote.
type Result struct {
	Out    string   // the folder or file written
	Files  []string // the files written, relative to Out (just Out's name for Single)
	Remote []string // the remote references, as warned
}

// Export exports a deck as Options say.
func Export(ctx context.Context, o Options) (*Result, error) {
	if o.PDF != "" && findChromium() == "" {
		return nil, ErrNoChromium
	}
	dk, err := load(o.Deck)
	if err != nil {
		return nil, err
	}
	out := o.Out
	if out == "" {
		out = dk.base + "-export"
		if o.Single {
			out = dk.base + ".html"
		}
	}
	remote := dk.remote(!o.NoNotes)
	if o.PDF != "" {
		remote = nil // Chromium fetches them while printing: the PDF holds what it could get
	}
	if err := dk.record(ctx, o.Replay); err != nil {
		return nil, err
	}
	if o.PDF != "" {
		page, err := dk.single(o.PDFNotes && !o.NoNotes)
		if err != nil {
			return nil, err
		}
		pdf, err := printPDF(ctx, page)
		if err != nil {
			return nil, err
		}
		if err := writePDF(o.PDF, pdf); err != nil {
			return nil, err
		}
		return &Result{Out: o.PDF, Files: []string{filepath.Base(o.PDF)}}, nil
	}
	if o.Single {
		b, err := dk.single(!o.NoNotes)
		if err != nil {
			return nil, err
		}
		if err := writeSingle(out, b); err != nil {
			return nil, err
		}
		warn(o, remote)
		return &Result{Out: out, Files: []string{filepath.Base(out)}, Remote: remote}, nil
	}
	files, err := dk.folder(!o.NoNotes)
	if err != nil {
		return nil, err
	}
	if err := writeFolder(out, files); err != nil {
		return nil, err
	}
	warn(o, remote)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	return &Result{Out: out, Files: names, Remote: remote}, nil
}

func warn(o Options, lines []string) {
	if o.Warn == nil {
		return
	}
	for _, l := range lines {
		o.Warn(l)
	}
}

// The stylesheets of the export, in order, from assets (highlight.css is
// chroma's, generated).
var styleNames = []string{"slides.css", "audience.css", "highlight.css", "overview.css", "print.css", "export.css"}

// styleNames are the stylesheets this deck's export needs.
func (dk *deck) styleNames() []string {
	if dk.replay != nil {
		return append(slices.Clone(styleNames), "inspector.css")
	}
	return styleNames
}

// stylesheet returns one of styleNames.
func stylesheet(name string) ([]byte, error) {
	if name == "highlight.css" {
		return slides.HighlightCSS(), nil
	}
	return fs.ReadFile(assets.FS, name)
}

// viewerScript is the classic script built from assets/export.js; the
// inspector in it replays a recording instead of opening sockets.
func viewerScript() (string, error) {
	return bundle(assets.FS, "export.js", map[string][]shim{
		"inspector.js": {{Global: "WebSocket", Module: "replay.js", Export: "ReplaySocket"}},
	}, map[string]map[string]string{
		"deck.js": {"stylesheet": "() => {}"},
	})
}

// pageFor fills in what both kinds of export share.
func (dk *deck) pageFor(notes bool, rewrite func(string) string) *page {
	title := deckTitle(dk.d)
	st := steps(dk.d, notes, rewrite)
	p := &page{
		Generator: generator,
		Title:     title,
		DeckID:    deckID(dk.d, title),
		Steps:     st,
		HasNotes:  hasNotes(st),
		Recording: template.JS(dk.replay),
	}
	if len(st) > 0 {
		p.FirstCount = st[0].Count
	}
	return p
}

// folder returns the files of a folder export, by relative path.
func (dk *deck) folder(notes bool) (map[string][]byte, error) {
	files := map[string][]byte{}
	p := dk.pageFor(notes, func(s string) string { return s })
	for _, n := range dk.styleNames() {
		b, err := stylesheet(n)
		if err != nil {
			return nil, err
		}
		files["assets/"+n] = b
		p.Styles = append(p.Styles, resource{Href: template.URL("assets/" + n)})
	}
	js, err := viewerScript()
	if err != nil {
		return nil, err
	}
	files["assets/viewer.js"] = []byte(js)
	p.Script = resource{Href: template.URL("assets/viewer.js")}
	for name, b := range dk.images {
		if _, taken := files[name]; taken || name == "index.html" || name == markerName {
			return nil, fmt.Errorf("%s: image %s has the name of a file the export writes", dk.name, name)
		}
		files[name] = b
	}
	index, err := renderPage(p)
	if err != nil {
		return nil, err
	}
	files["index.html"] = index
	return files, nil
}
