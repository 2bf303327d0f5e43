package assets_test

// A stand-in for wiretalk's server, for testing the pages alone: it serves
// the templates, assets.FS, a deck built here, and /ws and /ws/presenter
// speaking docs/messages.md over github.com/coder/websocket (used in tests
// only; the product uses wiretalk's own protocol package). Tests drive it to
// move the "presenter", drop sockets, and change the deck.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/coder/websocket"

	"wiretalk/assets"
	"wiretalk/slides"
	"wiretalk/templates"
)

type slide struct {
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
}

type deck struct {
	Version string  `json:"version"`
	Title   string  `json:"title"`
	Study   bool    `json:"study"`
	Slides  []slide `json:"slides"`
}

// add appends a slide; with step, a `--` step of the previous slide that
// repeats its content and adds html.
func (d *deck) add(name, classes, html, notes string) {
	n := len(d.Slides)
	number := 1
	if n > 0 {
		number = d.Slides[n-1].Number + 1
	}
	s := slide{Index: n, Number: number, Name: name, StepOf: n, HTML: html, Notes: notes}
	if classes != "" {
		s.Classes = strings.Split(classes, " ")
	}
	d.Slides = append(d.Slides, s)
}

func (d *deck) step(html, notes string) {
	prev := d.Slides[len(d.Slides)-1]
	s := prev
	s.Index, s.Continued, s.HTML, s.Notes = len(d.Slides), true, prev.HTML+html, notes
	d.Slides = append(d.Slides, s)
}

// code renders source as the slides package does: chroma's classes, and
// the lines in hl highlighted.
func code(t testing.TB, lang, src string, hl ...int) string {
	var ranges [][2]int
	for _, l := range hl {
		ranges = append(ranges, [2]int{l, l})
	}
	it, err := lexers.Get(lang).Tokenise(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := html.New(html.WithClasses(true), html.HighlightLines(ranges)).Format(&b, styles.Get("github"), it); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// testDeck is a small deck with one of everything a talk has: a title
// slide, steps, a table, highlighted code, an ASCII diagram wider than a
// phone, a background image, the inspector, footnotes.
func testDeck(t testing.TB) *deck {
	d := &deck{Version: "v1", Title: "WebSockets, frame by frame"}
	d.add("title", "center middle inverse",
		`<h1>WebSockets, frame by frame</h1><h3>RFC 6455, live on your phone</h3>`+
			`<p><span class="footnote">Every slide change you see tonight reaches your phone as a WebSocket text frame.</span></p>`,
		`<ul><li>Welcome! Get everyone to open the talk on their phone now.</li></ul>`)
	d.add("why", "",
		`<h1>The server has news. Now what?</h1><p>HTTP is request, then response: only the client may speak first.</p>`+
			`<ul><li><strong>Polling</strong>: ask every few seconds — late, or wasteful</li>`+
			`<li><strong>Long polling</strong>: the server holds the request until news arrives; the client asks again at once</li></ul>`,
		`<ul><li>Chat, live scores, dashboards: the server learns things first.</li></ul>`)
	d.step(`<p>What we want: <strong>one connection, both directions, any time.</strong></p>`,
		`<ul><li>That sentence is the whole design goal of WebSocket.</li></ul>`)
	d.add("compare", "",
		`<h1>Four ways to get news</h1><table><thead><tr><th></th><th>Direction</th><th>Data</th><th>On the wire</th></tr></thead><tbody>`+
			`<tr><td>Polling</td><td>client asks</td><td>any</td><td>a request per poll</td></tr>`+
			`<tr><td>Long polling</td><td>client asks, server waits</td><td>any</td><td>a request per message</td></tr>`+
			`<tr><td>SSE</td><td>server → client</td><td>UTF-8 text</td><td>one long HTTP response</td></tr>`+
			`<tr><td>WebSocket</td><td>both ways</td><td>text + binary</td><td>its own frames after an Upgrade</td></tr></tbody></table>`+
			`<p>SSE's <code>EventSource</code> reconnects by itself and sends <code>Last-Event-ID</code> to resume.</p>`,
		`<ul><li>Server-Sent Events are underrated.</li></ul>`)
	d.add("handshake", "",
		`<h1>The opening handshake</h1><p>It starts as an ordinary HTTP/1.1 request:</p>`+
			code(t, "http", "GET /chat HTTP/1.1\nHost: talk.example\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\nOrigin: http://talk.example\n", 3, 4, 5, 6),
		`<ul><li>It MUST be a GET, and HTTP/1.1 or later (§4.1).</li></ul>`)
	d.add("frame", "",
		`<h1>The frame (RFC 6455 §5.2)</h1>`+code(t, "text", ` 0                   1                   2                   3
 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
+-+-+-+-+-------+-+-------------+-------------------------------+
|F|R|R|R| opcode|M| Payload len |    Extended payload length    |
|I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
|N|V|V|V|       |S|             |   (if payload len==126/127)   |
| |1|2|3|       |K|             |                               |
+-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
|     Extended payload length continued, if payload len == 127  |
+ - - - - - - - - - - - - - - - +-------------------------------+
|                               |Masking-key, if MASK set to 1  |
+-------------------------------+-------------------------------+
| Masking-key (continued)       |          Payload Data         |
+-------------------------------- - - - - - - - - - - - - - - - +
`),
		`<ul><li>The most famous ASCII art in networking. On a phone, scroll it sideways.</li></ul>`)
	d.add("accept", "",
		`<h1>Where does the accept come from?</h1>`+code(t, "go", `func accept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) // the GUID from RFC 6455 §1.3
	return base64.StdEncoding.EncodeToString(h[:])
}
`, 2)+`<blockquote>It is not authentication and not encryption.</blockquote>`,
		`<ul><li>Two lines of Go.</li></ul>`)
	d.add("picture", "bottom right",
		`<h2>Ports 80 and 443</h2><p>Same port as the website, through every proxy.</p>`,
		`<ul><li>Why the handshake looks like HTTP.</li></ul>`)
	d.Slides[len(d.Slides)-1].Style = "background-image: url(\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 9'%3E%3Cdefs%3E%3ClinearGradient id='g' x2='1' y2='1'%3E%3Cstop offset='0' stop-color='%23ccfbf1'/%3E%3Cstop offset='1' stop-color='%230f766e'/%3E%3C/linearGradient%3E%3C/defs%3E%3Crect width='16' height='9' fill='url(%23g)'/%3E%3C/svg%3E\"); background-color: #0f766e; color: #042f2e"
	d.add("demo", "",
		`<h1>Demo: your phone, your frames</h1><p>Type a message, send it, and watch your phone mask it.</p>`+
			`<div class="wt-inspector"></div><p><span class="footnote">Every slide change you saw tonight was a text frame like these.</span></p>`,
		`<ul><li>Send "Hello": FIN=1, opcode 0x1, MASK=1.</li></ul>`)
	d.Slides[len(d.Slides)-1].Macros = []string{"inspector"}
	d.add("", "middle",
		`<h1>Take it home</h1><ul><li>RFC 6455: The WebSocket Protocol</li><li>RFC 7692: permessage-deflate compression</li>`+
			`<li>WHATWG WebSockets Standard: the browser API, at <a href="https://websockets.spec.whatwg.org/">https://websockets.spec.whatwg.org/</a></li></ul>`,
		`<ul><li>Thank you! Questions?</li></ul>`)
	return d
}

// fakeServer plays wiretalk's server for the pages.
type fakeServer struct {
	t   testing.TB
	URL string
	srv *httptest.Server

	mu         sync.Mutex
	deck       *deck
	index      int
	blackout   bool
	start      int64 // the talk's timer: Unix ms of the first slide change, as the server keeps it
	refuse     bool  // answer /ws with 503, as a server that is down
	conns      map[*websocket.Conn]string
	fromPages  chan map[string]any // what presenters sent
	inspectJS  string              // served as /assets/inspector.js when not ""
	deckFetchs int
}

func newFakeServer(t testing.TB, d *deck) *fakeServer {
	t.Helper()
	tmpl, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{t: t, deck: d, conns: map[*websocket.Conn]string{}, fromPages: make(chan map[string]any, 100)}
	hl := slides.HighlightCSS() // the stylesheet the server serves
	mux := http.NewServeMux()
	page := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			data := templates.Data{Title: f.deck.Title, Assets: "test1", Study: f.deck.Study}
			f.mu.Unlock()
			var b bytes.Buffer
			if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(b.Bytes())
		}
	}
	mux.HandleFunc("GET /{$}", page("audience.html"))
	mux.HandleFunc("GET /presenter", page("presenter.html"))
	mux.HandleFunc("GET /assets/highlight.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Write(hl)
	})
	mux.HandleFunc("GET /assets/inspector.js", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		js := f.inspectJS
		f.mu.Unlock()
		if js == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		fmt.Fprint(w, js)
	})
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets.FS)))
	mux.HandleFunc("GET /api/deck", func(w http.ResponseWriter, r *http.Request) { f.serveDeck(w, false) })
	mux.HandleFunc("GET /api/presenter/deck", func(w http.ResponseWriter, r *http.Request) { f.serveDeck(w, true) })
	mux.HandleFunc("GET /ws", func(w http.ResponseWriter, r *http.Request) { f.serveSocket(w, r, "audience") })
	mux.HandleFunc("GET /ws/presenter", func(w http.ResponseWriter, r *http.Request) { f.serveSocket(w, r, "presenter") })
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", assets.ContentSecurityPolicy)
		mux.ServeHTTP(w, r)
	}))
	f.URL = f.srv.URL
	t.Cleanup(f.close)
	return f
}

func (f *fakeServer) close() {
	f.mu.Lock()
	for c := range f.conns {
		c.CloseNow()
	}
	f.mu.Unlock()
	f.srv.Close()
}

func (f *fakeServer) serveDeck(w http.ResponseWriter, notes bool) {
	f.mu.Lock()
	d := *f.deck
	f.deckFetchs++
	f.mu.Unlock()
	if !notes && !d.Study {
		d.Slides = append([]slide(nil), d.Slides...)
		for i := range d.Slides {
			d.Slides[i].Notes = ""
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(d)
}

func (f *fakeServer) serveSocket(w http.ResponseWriter, r *http.Request, role string) {
	f.mu.Lock()
	refuse := f.refuse
	f.mu.Unlock()
	if refuse {
		http.Error(w, "down for the test", http.StatusServiceUnavailable)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ctx := r.Context()
	f.mu.Lock()
	f.conns[c] = role
	f.send(c, map[string]any{"type": "hello", "role": role, "study": f.deck.Study})
	f.send(c, f.state())
	if role == "presenter" {
		f.send(c, map[string]any{"type": "audience", "count": f.count("audience")})
		f.send(c, f.timer())
	} else {
		f.broadcastLocked("presenter", map[string]any{"type": "audience", "count": f.count("audience")})
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.conns, c)
		if role == "audience" {
			f.broadcastLocked("presenter", map[string]any{"type": "audience", "count": f.count("audience")})
		}
		f.mu.Unlock()
		c.CloseNow()
	}()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if role == "audience" {
			c.Close(websocket.StatusPolicyViolation, "audience sockets are receive-only")
			return
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		f.fromPages <- m
		f.mu.Lock()
		switch m["type"] {
		case "goto":
			if i, ok := m["index"].(float64); ok && int(i) >= 0 && int(i) < len(f.deck.Slides) {
				f.index = int(i)
				if f.start == 0 {
					f.start = time.Now().UnixMilli()
					f.broadcastLocked("presenter", f.timer())
				}
			}
		case "blackout":
			f.blackout, _ = m["on"].(bool)
		case "reset":
			f.start = 0
			f.broadcastLocked("presenter", f.timer())
		}
		f.broadcastLocked("", f.state())
		f.mu.Unlock()
	}
}

func (f *fakeServer) state() map[string]any {
	return map[string]any{"type": "state", "deck": f.deck.Version, "index": f.index, "blackout": f.blackout}
}

// timer is the talk's timer as the server tells presenters.
func (f *fakeServer) timer() map[string]any {
	return map[string]any{"type": "timer", "start": f.start, "now": time.Now().UnixMilli(), "length": 0}
}

func (f *fakeServer) count(role string) int {
	n := 0
	for _, r := range f.conns {
		if r == role {
			n++
		}
	}
	return n
}

// send writes m to c; f.mu is held, which also keeps writes in order.
func (f *fakeServer) send(c *websocket.Conn, m map[string]any) {
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c.Write(ctx, websocket.MessageText, b)
}

// broadcastLocked sends m to the sockets of role, or to all for "".
func (f *fakeServer) broadcastLocked(role string, m map[string]any) {
	for c, r := range f.conns {
		if role == "" || r == role {
			f.send(c, m)
		}
	}
}

// goTo moves the presenter.
func (f *fakeServer) goTo(index int, blackout bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.index, f.blackout = index, blackout
	f.broadcastLocked("", f.state())
}

// setDeck swaps the deck, as an edit of the deck file does.
func (f *fakeServer) setDeck(d *deck, index int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deck, f.index = d, index
	f.broadcastLocked("", f.state())
}

func (f *fakeServer) problems(list ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if list == nil {
		list = []map[string]any{}
	}
	f.broadcastLocked("presenter", map[string]any{"type": "problems", "problems": list})
}

// drop closes every socket abruptly (no close frame), as a lost network
// does; with refuse, new ones are refused until setRefuse(false).
func (f *fakeServer) drop(refuse bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuse = refuse
	for c := range f.conns {
		c.CloseNow()
	}
}

func (f *fakeServer) setRefuse(refuse bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuse = refuse
}

// received waits for the next message a presenter page sent.
func (f *fakeServer) received(t testing.TB) map[string]any {
	t.Helper()
	select {
	case m := <-f.fromPages:
		return m
	case <-time.After(timeout):
		t.Fatal("no message from the presenter page")
		return nil
	}
}
