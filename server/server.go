package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"wiretalk/assets"
	"wiretalk/demo"
	"wiretalk/protocol"
	"wiretalk/slides"
	"wiretalk/templates"
)

// Config is how a Server is set up. The zero value of every field but Key
// is a sensible default.
type Config struct {
	Deck         string        // path of the deck; "" presents the embedded talk
	Key          string        // presenter key (required: see NewKey)
	Study        bool          // self-study: everyone steps freely, notes shown as a transcript
	AllowOrigins []string      // more origins allowed to open sockets, besides the page's own host
	MaxConns     int           // audience and inspector sockets at most; 0 means 10,000
	PingInterval time.Duration // heartbeat; a silent phone is dropped within two; 0 means 15 s
	WriteTimeout time.Duration // a socket that takes longer to accept a write is dropped; 0 means 10 s
	Duration     time.Duration // the talk's planned length, for the presenter's pacing; 0 means not set (a page may set it)
	StateDir     string        // where the talk's position is kept; "" means the user's state folder
	NoState      bool          // do not keep the position (nor the audience's results) across restarts
	Moderate     bool          // audience questions show only once the presenter approved them
	Logf         func(format string, args ...any)

	// Record, when not nil, makes a Tee for each inspector feed the
	// presenter opens (from a page with the presenter's cookie), which
	// then gets its records: "wiretalk serve -record".
	Record func() demo.Tee

	// HandshakeTimeout bounds how long a connection may take to send a
	// request's headers (a socket's opening handshake, after TLS's own);
	// slower ones are closed. 0 means 10 s.
	HandshakeTimeout time.Duration

	// Deflate accepts permessage-deflate (RFC 7692) on the live sockets.
	// Off by default: the hub's messages are small, and WebKit has a long
	// record of mishandling compressed frames. When on, each message is
	// compressed on its own (server_no_context_takeover), so that a
	// broadcast is compressed once for every phone and an idle socket
	// keeps no compressor; messages under 128 bytes go out plain.
	Deflate bool
}

// Server presents one deck. Build it with New, serve Handler, and call
// Watch for live reload and Shutdown when done.
type Server struct {
	cfg       Config
	logf      func(string, ...any)
	source    *source
	auth      *presenterAuth
	static    *staticFiles
	pages     *template.Template
	hub       *hub
	inspector *demo.Inspector
	saver     *positionSaver
	room      *room           // polls, questions, reactions (interact.go)
	results   *resultsSaver   // keeps the room beside the position
	link      roomLink        // the room across a relay (interact_relay.go)
	pace      *pollsPace      // when the polls reach the phones (interact_pace.go)
	inbox     *roomInbox      // applies the audience's messages (interact_inbox.go)
	conns     atomic.Int64    // open audience and inspector sockets
	lanAddrs  func() []net.IP // the machine's network addresses, for the phone's QR code (ListenAddrs)

	mu       sync.Mutex // guards what follows
	view     *deckView
	pos      position
	problems []slides.Problem
	state    *protocol.Prepared // the current "state" message

	changed        chan struct{}      // see Changed; nil until asked for; guarded by mu
	upstream       Upstream           // an edge's (see NewEdge); nil on the presenter's server
	relay          *relayMsg          // the last SetRelayStatus; nil without a relay; guarded by mu
	relayFrame     *protocol.Prepared // relay as a frame; guarded by mu
	heartbeatTimer *time.Timer        // sends the room's heartbeat (interact_heartbeat.go)
	heartbeatStop  bool
	timer          talkTimer // the talk's clock (timer.go); guarded by mu
}

// New loads the deck and builds the server. It fails when the deck cannot
// be read. A deck that reads but has problems is still presented (there is
// no earlier good version to keep); the problems go to the presenter.
func New(cfg Config) (*Server, error) {
	if cfg.Key == "" {
		return nil, errors.New("server: Config.Key is empty")
	}
	src, err := openSource(cfg.Deck)
	if err != nil {
		return nil, fmt.Errorf("cannot open deck %s: %w", cfg.Deck, unwrapPathError(err))
	}
	d, err := src.load()
	if err != nil {
		src.close()
		return nil, err
	}
	s, err := newServer(cfg, src, nil)
	if err != nil {
		src.close()
		return nil, err
	}
	s.timer = talkTimer{length: min(max(cfg.Duration, 0), maxLength)}
	s.lanAddrs = ListenAddrs
	var store positionStore
	if !cfg.NoState {
		store = newPositionStore(cfg.StateDir, src.path)
	}
	s.saver = newPositionSaver(store, s.logf)
	s.openRoom(resultsPath(store.path), d)
	s.view = newDeckView(d, src.salt(d), cfg.Study)
	if err := s.renderPages(s.view); err != nil {
		src.close()
		return nil, err
	}
	s.problems = d.Problems
	p, _ := store.load()
	s.pos = remap(p, s.view)
	s.state = s.stateMessage()
	s.reachedLocked()
	for _, p := range d.Problems {
		s.logf("deck: %s", p)
	}
	// Pages joining from now on are sent the polls as they are: the flush
	// the start scheduled brings them nothing new.
	s.pace.prime(s.pollsMessage(false))
	s.startHeartbeat()
	return s, nil
}

// newServer builds what New and NewEdge share: cfg with its defaults,
// the pages, the static files, the hub and the inspector. up is an
// edge's Upstream, nil on the presenter's server. The caller adds the
// deck, the position and the room.
func newServer(cfg Config, src *source, up Upstream) (*Server, error) {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 10000
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 15 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	pages, err := templates.Parse()
	if err != nil {
		return nil, err
	}
	static, err := newStaticFiles(assets.FS, map[string][]byte{"highlight.css": slides.HighlightCSS()})
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		logf:     cfg.Logf,
		source:   src,
		auth:     newPresenterAuth(cfg.Key),
		static:   static,
		pages:    pages,
		upstream: up,
	}
	s.hub = newHub(cfg.WriteTimeout, cfg.Logf)
	s.inspector = demo.New(demo.Options{CheckOrigin: s.checkOrigin, Logf: cfg.Logf, PingInterval: cfg.PingInterval, Tee: s.presenterTee})
	return s, nil
}

// Handler returns the HTTP handler with every route (docs/messages.md).
func (s *Server) Handler() http.Handler {
	if s.upstream != nil {
		return s.edgeHandler()
	}
	mux := s.audienceMux()
	mux.HandleFunc("GET /presenter", s.servePresenterPage)
	mux.HandleFunc("GET /api/presenter/deck", s.servePresenterDeck)
	mux.HandleFunc("GET /api/results", s.serveResults)
	mux.HandleFunc("GET /api/results.csv", s.serveResults)
	mux.HandleFunc("GET /api/presenter/qr.svg", s.servePresenterQR)
	mux.HandleFunc("GET /ws/presenter", s.servePresenterSocket)
	mux.HandleFunc("GET /", s.serveDeckFile)
	return secure(mux, s.logf)
}

// audienceMux routes what every server gives the audience, the
// presenter's and an edge alike: the pages, the assets, the deck, the
// audience socket and the inspector. The deck's files ("GET /") are each
// server's own.
func (s *Server) audienceMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveAudiencePage)
	mux.HandleFunc("GET /demo", s.serveDemoPage)
	mux.Handle("GET /assets/", s.static)
	mux.HandleFunc("GET /api/deck", s.serveDeck)
	mux.HandleFunc("GET /ws", s.serveAudienceSocket)
	mux.HandleFunc("GET /demo/feed", s.limitConns(s.inspector.ServeFeed))
	mux.HandleFunc("GET /demo/specimen", s.limitConns(s.inspector.ServeSpecimen))
	return mux
}

// HTTPServer returns an http.Server for Handler with timeouts that keep
// slow or stalled clients from holding resources: a handshake must arrive
// within Config.HandshakeTimeout and its headers are limited to 64 KiB.
func (s *Server) HTTPServer(addr string, tlsConfig *tls.Config) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: s.cfg.HandshakeTimeout,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// net/http's own complaints (a failed TLS handshake, a write to a
		// hijacked connection) go where every other line goes.
		ErrorLog: log.New(logWriter(s.logf), "", 0),
	}
}

// logWriter turns Config.Logf into an io.Writer for log.Logger.
type logWriter func(format string, args ...any)

func (f logWriter) Write(p []byte) (int, error) {
	f("%s", strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// Shutdown writes the talk's position if the last move is not on disk
// yet, closes every live socket with 1001 (going away), waiting at most
// until ctx ends, and releases the deck's folder. Once it has begun the
// position file is left alone: a move that comes later (a command already
// read, a reload) is not saved, so the caller may remove the state folder
// or exit as soon as Shutdown returns.
func (s *Server) Shutdown(ctx context.Context) {
	s.saver.close()
	s.closeRoom(ctx)
	s.hub.closeAll(ctx, protocol.StatusGoingAway, "server shutting down")
	s.inspector.Close()
	s.source.close()
}

// renderPages renders every page for v once, so that a thousand phones
// joining at once cost a thousand writes of the same bytes, not a
// thousand renderings and compressions.
func (s *Server) renderPages(v *deckView) error {
	v.pages = make(map[string]encoded)
	for _, t := range s.pages.Templates() {
		var buf bytes.Buffer
		if err := t.Execute(&buf, templates.Data{Title: v.title, Assets: s.static.version, Study: s.cfg.Study}); err != nil {
			return fmt.Errorf("rendering %s: %w", t.Name(), err)
		}
		v.pages[t.Name()] = encoded{plain: buf.Bytes(), gz: gzipBytes(buf.Bytes())}
	}
	return nil
}

func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, name string) {
	page, ok := s.currentView().pages[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	serveEncoded(w, r, page)
}

func (s *Server) serveAudiencePage(w http.ResponseWriter, r *http.Request) {
	s.ensureDevice(w, r)
	s.renderPage(w, r, "audience.html")
}

func (s *Server) serveDemoPage(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, r, "demo.html")
}

// servePresenterPage needs the presenter: a first visit with ?key= sets
// the session cookie and redirects to the bare URL, so the key does not
// stay in the address bar (or on the projector).
func (s *Server) servePresenterPage(w http.ResponseWriter, r *http.Request) {
	ok, viaKey, limited := s.auth.check(r)
	switch {
	case limited:
		s.logf("presenter: too many wrong keys from %s", clientIP(r))
		http.Error(w, "too many attempts; wait a minute", http.StatusTooManyRequests)
		return
	case !ok:
		if r.URL.Query().Has("key") {
			s.logf("presenter: wrong key from %s", clientIP(r))
		}
		http.Error(w, "presenter key required: open the presenter URL that wiretalk printed", http.StatusForbidden)
		return
	case viaKey:
		s.auth.setCookie(w, r)
		http.Redirect(w, r, "/presenter", http.StatusSeeOther)
		return
	}
	s.renderPage(w, r, "presenter.html")
}

func (s *Server) currentView() *deckView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.view
}

func (s *Server) serveDeck(w http.ResponseWriter, r *http.Request) {
	v := s.currentView()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", `"`+v.version+`"`)
	serveEncoded(w, r, v.audience)
}

func (s *Server) servePresenterDeck(w http.ResponseWriter, r *http.Request) {
	if ok, _, _ := s.auth.check(r); !ok {
		http.Error(w, "presenter key required", http.StatusForbidden)
		return
	}
	v := s.currentView()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	serveEncoded(w, r, v.private)
}

// checkOrigin lets a socket open when its Origin is the page's own host or
// one of Config.AllowOrigins, so that another site cannot open a socket
// with the visitor's cookies (cross-site WebSocket hijacking). Clients that
// are not browsers send no Origin and are let in.
// presenterTee is the inspector's Tee: a recording of the presenter's own
// feeds when Config.Record is set, and nothing for anyone else's.
func (s *Server) presenterTee(r *http.Request) demo.Tee {
	if s.cfg.Record == nil || !s.auth.cookieOK(r) {
		return nil
	}
	return s.cfg.Record()
}

func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if i := strings.Index(origin, "://"); i >= 0 && strings.EqualFold(origin[i+3:], r.Host) {
		return true
	}
	for _, o := range s.cfg.AllowOrigins {
		if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

// limitConns refuses a socket with 503 when MaxConns are open already.
// The slot is held while h runs.
func (s *Server) limitConns(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.acquireConn(w, r) {
			return
		}
		defer s.releaseConn()
		h(w, r)
	}
}

// acquireConn takes one of the MaxConns slots, or answers 503 and returns
// false. Each true must be matched by one releaseConn.
func (s *Server) acquireConn(w http.ResponseWriter, r *http.Request) bool {
	if n := s.conns.Add(1); n > int64(s.cfg.MaxConns) {
		s.conns.Add(-1)
		s.logf("refused a socket from %s: %d connections is the limit (-max-conns)", clientIP(r), s.cfg.MaxConns)
		w.Header().Set("Retry-After", "10")
		http.Error(w, "server full: too many connections", http.StatusServiceUnavailable)
		return false
	}
	return true
}

func (s *Server) releaseConn() { s.conns.Add(-1) }

// Position returns the index of the step on screen, for tests and logs.
func (s *Server) Position() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pos.Index
}

// AudienceCount returns the number of connected audience pages.
func (s *Server) AudienceCount() int { return s.hub.audienceCount() }

// jsonMessage builds a prepared text frame of v's JSON.
func jsonMessage(v any) *protocol.Prepared {
	b, _ := json.Marshal(v) // plain data: cannot fail
	return protocol.NewPrepared(protocol.OpText, b)
}

// ListenAddrs lists the machine's non-loopback IPv4 addresses, for the
// audience URLs printed at start-up.
func ListenAddrs() []net.IP {
	var ips []net.IP
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			ips = append(ips, n.IP.To4())
		}
	}
	return ips
}

// DeckPath is the deck's absolute path, or "" for the embedded talk.
func (s *Server) DeckPath() string { return s.source.path }
