package slides

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Problem is something wrong with a deck, reported as "file:line: message".
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// String formats p as "file:line: message", the form editors jump to.
func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
}

// Slide is one step as shown on screen. A slide with "--" steps appears
// once per step; each step holds the whole content shown at that point.
type Slide struct {
	Index      int               `json:"index"`          // 0-based position among shown steps
	Number     int               `json:"number"`         // the number shown: the last counted step's up to this one (template.go); 0 before any
	Name       string            `json:"name"`           // the slide's own name property (not inherited)
	Classes    []string          `json:"classes"`        // from the class property, template classes first
	Properties map[string]string `json:"properties"`     // all properties after template inheritance
	HTML       string            `json:"html"`           // rendered body, template applied, {{vars}} expanded
	NotesHTML  string            `json:"notes"`          // rendered speaker notes; "" if none
	Continued  bool              `json:"continued"`      // a "--" step of the slide before
	StepOf     int               `json:"stepOf"`         // Index of the first step of this slide
	Line       int               `json:"line"`           // source line where the slide or step starts
	Macros     []string          `json:"macros"`         // names of the macros used, in order of first use
	Poll       *Poll             `json:"poll,omitempty"` // the slide's poll (poll.go); nil if none

	heading string // text of the first h1 or h2, for (*Deck).Title
}

// Deck is a parsed and rendered deck.
type Deck struct {
	Name      string    `json:"name"`      // file name as given
	Slides    []Slide   `json:"slides"`    // the steps shown, in order
	Problems  []Problem `json:"problems"`  // sorted by line; a deck with problems is broken
	Languages []string  `json:"languages"` // code languages used, lower case, sorted
	Files     []string  `json:"files"`     // deck-relative local files referenced (images), cleaned, sorted
	Options   Options   `json:"options"`   // from the first slide's property lines (options.go)
}

// Load reads name from fsys (the deck's folder) and parses it; the error is
// only for an unreadable file. Problems go in Deck.Problems. Files the deck
// refers to are looked up next to it, in name's directory.
func Load(fsys fs.FS, name string) (*Deck, error) {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	if dir := path.Dir(name); dir != "." {
		sub, err := fs.Sub(fsys, dir)
		if err != nil {
			return nil, err
		}
		fsys = sub
	}
	return Parse(name, src, fsys), nil
}

// Parse parses src, naming it name in problems; fsys (may be nil) is the
// deck's folder, used only to check that referenced local files exist.
func Parse(name string, src []byte, fsys fs.FS) *Deck {
	p := &problems{file: name}
	if len(src) > maxDeckSize {
		p.add(1, "the deck is %d KB; wiretalk reads decks up to %d KB", len(src)>>10, maxDeckSize>>10)
		return &Deck{Name: name, Slides: []Slide{}, Problems: p.sorted(), Languages: []string{}, Files: []string{}, Options: defaultOptions()}
	}
	text := normalize(src)
	sc := newScanner(text, p)
	raws := sc.run()
	opts := deckOptions(raws, p)
	shown := assemble(raws, opts, p)

	r := newRenderer(sc.defs, opts, p)
	d := &Deck{
		Options:   opts,
		Name:      name,
		Slides:    make([]Slide, 0, len(shown)),
		Problems:  []Problem{},
		Languages: []string{},
		Files:     []string{},
	}
	for _, b := range shown {
		d.Slides = append(d.Slides, r.slide(b))
	}
	r.addPolls(shown, d.Slides, p)
	d.Languages = r.languages()

	checkNames(raws, p)
	checkProperties(raws, p, text)
	if len(d.Slides) == 0 {
		p.add(1, "the deck has no slides to show: every slide is a layout or excluded")
	} else if blank(d.Slides) {
		// Also what an editor that saves by truncating and then writing
		// leaves for a moment: a live server must not show it.
		p.add(1, "the deck is empty")
	}
	d.Files = checkFiles(d, shown, text, sc.lines, fsys, p)
	d.Problems = p.sorted()
	return d
}

// blank reports whether no slide shows or says anything.
func blank(slides []Slide) bool {
	for _, sl := range slides {
		if strings.TrimSpace(sl.HTML) != "" || sl.NotesHTML != "" || len(sl.Properties) > 0 {
			return false
		}
	}
	return true
}
