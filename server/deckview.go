package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"wiretalk/slides"
)

// deckView is one rendered version of the deck, ready to serve: the JSON
// for the audience (no speaker notes during a live talk) and for the
// presenter, each also gzipped. It is immutable once built, so handlers
// share it without locks.
type deckView struct {
	deck     *slides.Deck
	version  string
	title    string
	audience encoded            // what /api/deck serves
	private  encoded            // what /api/presenter/deck serves: with notes
	pages    map[string]encoded // the HTML pages by template name: their title is the deck's
}

// encoded is a response body in plain and gzip form.
type encoded struct {
	plain, gz []byte
}

// slideJSON is one step of the deck as the pages receive it (see
// docs/messages.md).
type slideJSON struct {
	Index     int      `json:"index"`
	Number    int      `json:"number"`
	Name      string   `json:"name,omitempty"`
	Classes   []string `json:"classes"`
	Continued bool     `json:"continued"`
	StepOf    int      `json:"stepOf"`
	HTML      string   `json:"html"`
	Notes     string   `json:"notes,omitempty"`
	Style     string   `json:"style,omitempty"`
	Macros    []string `json:"macros,omitempty"`
	Poll      string   `json:"poll,omitempty"`    // the ID of the step's poll (interact.go)
	Minutes   float64  `json:"minutes,omitempty"` // the slide's planned minutes (property minutes:), for pacing
}

type deckJSON struct {
	Version string      `json:"version"`
	Title   string      `json:"title"`
	Study   bool        `json:"study"`
	Slides  []slideJSON `json:"slides"`
}

// newDeckView renders d for the pages. salt is mixed into the version so
// that a change to a referenced file (an image) makes a new version even
// when the deck's text did not change. In study mode the audience gets the
// notes too, as a transcript.
func newDeckView(d *slides.Deck, salt string, study bool) *deckView {
	v := &deckView{deck: d, title: deckTitle(d)}
	withNotes := make([]slideJSON, len(d.Slides))
	for i, s := range d.Slides {
		withNotes[i] = slideJSON{
			Index:     s.Index,
			Number:    s.Number,
			Name:      s.Name,
			Classes:   nonNil(s.Classes),
			Continued: s.Continued,
			StepOf:    s.StepOf,
			HTML:      s.HTML,
			Notes:     s.NotesHTML,
			Style:     s.Style(),
			Macros:    s.Macros,
			Poll:      pollID(s.Poll),
			Minutes:   slideMinutes(s.Properties),
		}
	}
	h := sha256.New()
	body, _ := json.Marshal(withNotes) // plain data: cannot fail
	h.Write(body)
	h.Write([]byte(salt))
	v.version = hex.EncodeToString(h.Sum(nil))[:12]

	v.private = encode(deckJSON{Version: v.version, Title: v.title, Study: study, Slides: withNotes})
	if study {
		v.audience = encode(deckJSON{Version: v.version, Title: v.title, Study: true, Slides: withNotes})
		return v
	}
	// RFC-free rule of the product: speaker notes never reach audience
	// devices during a live talk.
	public := make([]slideJSON, len(withNotes))
	for i, s := range withNotes {
		s.Notes = ""
		public[i] = s
	}
	v.audience = encode(deckJSON{Version: v.version, Title: v.title, Slides: public})
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func encode(x any) encoded {
	plain, _ := json.Marshal(x) // plain data: cannot fail
	return encoded{plain: plain, gz: gzipBytes(plain)}
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// slideMinutes is a slide's minutes: property, or 0 when it has none or
// not a positive number (check reports those).
func slideMinutes(props map[string]string) float64 {
	m, err := strconv.ParseFloat(strings.TrimSpace(props["minutes"]), 64)
	if err != nil || !(m > 0) || math.IsInf(m, 0) {
		return 0
	}
	return m
}

// deckTitle is the deck's title for the pages, "wiretalk" if it has none.
func deckTitle(d *slides.Deck) string {
	if t := d.Title(); t != "" {
		return t
	}
	return "wiretalk"
}

func pollID(p *slides.Poll) string {
	if p == nil {
		return ""
	}
	return p.ID
}
