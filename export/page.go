package export

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"strconv"
	"strings"

	"wiretalk/slides"
)

//go:embed page.html
var pageHTML string

// pageTemplate is parsed once; templates are safe for concurrent use.
var pageTemplate = template.Must(template.New("page.html").Parse(pageHTML))

// generator is the <meta name="generator"> an export carries; a single
// file that has it is an earlier export and may be overwritten.
const generator = "wiretalk export"

// page is what page.html is executed with.
type page struct {
	Generator  string
	CSP        string
	Title      string
	DeckID     string
	Styles     []resource
	Script     resource
	Steps      []step
	FirstCount string
	HasNotes   bool
	HideNotes  bool
	Recording  template.JS // the inspector recording as JSON, a data block; "" for none
}

// resource is a stylesheet or script, linked (Href) or inlined.
type resource struct {
	Href   template.URL // a path relative to the page, or a data: URI
	Inline any          // template.CSS or template.JS
}

// step is one shown step of the deck.
type step struct {
	Index, First int
	Name         string
	Number       string
	Count        string
	Last         bool // the last step of its slide: what the handout prints
	Classes      string
	Style        template.CSS
	HTML         template.HTML
	Notes        template.HTML
}

// steps turns the deck into the page's steps. Slide and note HTML is the
// author's, rendered by slides, and trusted as the live pages trust it.
func steps(d *slides.Deck, notes bool, rewrite func(string) string) []step {
	out := make([]step, len(d.Slides))
	lastNumber := number(d, len(d.Slides)-1)
	for i, s := range d.Slides {
		st := step{
			Index:   i,
			First:   s.StepOf,
			Name:    s.Name,
			Number:  number(d, i),
			Count:   number(d, i) + " / " + lastNumber,
			Last:    i == len(d.Slides)-1 || d.Slides[i+1].StepOf != s.StepOf,
			Classes: strings.Join(s.Classes, " "),
			Style:   template.CSS(rewrite(s.Style())),
			HTML:    template.HTML(rewrite(s.HTML)),
		}
		if s.Continued {
			st.Name = d.Slides[s.StepOf].Name
		}
		if notes {
			st.Notes = template.HTML(rewrite(s.NotesHTML))
		}
		out[i] = st
	}
	return out
}

// number is the number the pages show for step i (deck.js's number).
func number(d *slides.Deck, i int) string {
	if i < 0 {
		return "0"
	}
	return strconv.Itoa(d.Slides[i].Number)
}

// deckTitle is the deck's title (its first heading), or "wiretalk".
func deckTitle(d *slides.Deck) string {
	if t := d.Title(); t != "" {
		return t
	}
	return "wiretalk"
}

// deckID names the deck in the browser's storage: its file name and title,
// so that a re-export of an edited deck still resumes.
func deckID(d *slides.Deck, title string) string {
	sum := sha256.Sum256([]byte(d.Name + "\x00" + title))
	return hex.EncodeToString(sum[:6])
}

// hasNotes reports whether any step has notes.
func hasNotes(st []step) bool {
	for _, s := range st {
		if s.Notes != "" {
			return true
		}
	}
	return false
}

func renderPage(p *page) ([]byte, error) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
