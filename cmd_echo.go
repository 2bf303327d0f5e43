package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"wiretalk/protocol"
)

func runEcho(e *env, args []string) int {
	fs := newFlagSet("echo", "wiretalk echo [flags]",
		"Runs a WebSocket echo server on / over wiretalk's own RFC 6455 implementation:\n"+
			"every text or binary message comes back as one message of the same type.\n"+
			"Any origin may connect. Ctrl-C closes the connections (1001) and stops.")
	addr := fs.String("addr", "127.0.0.1:9001", "`address` to listen on (port 0 picks a free one)")
	maxMessage := sizeFlag(64 << 20)
	fs.Var(&maxMessage, "max-message", "largest message to echo, e.g. 64MiB or 512KiB; over it the connection closes with 1009")
	verbose := fs.Bool("v", false, "print every frame, decoded, to stderr")
	deflate := fs.Bool("deflate", true, "accept permessage-deflate (RFC 7692) when a client offers it")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(e, fs, "no arguments expected, got %q", fs.Arg(0))
	}
	if maxMessage <= 0 {
		return usageError(e, fs, "-max-message must be positive")
	}
	fail := failer(e, "echo")

	ln, err := listenTCP(*addr)
	if err != nil {
		return fail("%v", err)
	}
	es := &echoServer{readLimit: int64(maxMessage), conns: map[*protocol.Conn]bool{}}
	if *deflate {
		// The echo server is the target of conformance suites: it takes
		// any usable offer, keeping the context as the client allows.
		es.deflate = &protocol.DeflateOptions{}
	}
	if *verbose {
		es.log = &lockedWriter{w: e.stderr}
	}
	hs := &http.Server{Handler: es, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stderr, "wiretalk echo: listening on ws://%s/\n", ln.Addr())
	err = serveUntilStopped(e, "echo", hs, ln, func(ctx context.Context) {
		hs.Shutdown(ctx) // stops listening; WebSockets are hijacked, so not waited for
		es.shutdown(ctx)
	})
	if err != nil {
		return fail("%v", err)
	}
	return exitOK
}

// echoServer echoes messages on "/" and keeps track of its connections
// for a graceful shutdown.
type echoServer struct {
	readLimit int64
	deflate   *protocol.DeflateOptions // nil with -deflate=false
	log       *lockedWriter            // nil unless -v

	mu      sync.Mutex
	conns   map[*protocol.Conn]bool
	closing bool
	wg      sync.WaitGroup
}

func (s *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	opts := &protocol.AcceptOptions{
		ReadLimit:   s.readLimit,
		CheckOrigin: func(*http.Request) bool { return true }, // a test server: any page may try it
		Deflate:     s.deflate,
	}
	if s.log != nil {
		opts.Observer = &frameLogger{w: s.log, peer: r.RemoteAddr}
	}
	c, err := protocol.Accept(w, r, opts)
	if err != nil {
		return // Accept answered with the HTTP error
	}
	if !s.add(c) {
		c.Close(protocol.StatusGoingAway, "server shutting down")
		return
	}
	defer s.remove(c)
	ctx := context.Background()
	for {
		op, p, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, op, p); err != nil {
			return
		}
	}
}

func (s *echoServer) add(c *protocol.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = true
	s.wg.Add(1)
	return true
}

func (s *echoServer) remove(c *protocol.Conn) {
	c.CloseNow()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// shutdown closes every connection with 1001 (going away) and waits for
// their handlers, until ctx ends.
func (s *echoServer) shutdown(ctx context.Context) {
	s.mu.Lock()
	s.closing = true
	for c := range s.conns {
		go c.Close(protocol.StatusGoingAway, "server shutting down")
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.CloseNow()
		}
		s.mu.Unlock()
	}
}

// lockedWriter serializes writes from the connections' goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// frameLogger prints one connection's handshake and frames, one line
// each: the peer, the direction, the header and a preview of the payload.
type frameLogger struct {
	w    io.Writer
	peer string
}

func (l *frameLogger) ObserveHandshake(h protocol.Handshake) {
	sub := ""
	if h.Subprotocol != "" {
		sub = ", subprotocol " + strconv.Quote(h.Subprotocol)
	}
	ext := ""
	if h.Deflate != nil {
		ext = ", extension " + strconv.Quote(h.Deflate.String())
	}
	fmt.Fprintf(l.w, "%s     handshake: key %s, accept %s%s%s\n", l.peer, h.Key, h.Accept, sub, ext)
}

func (l *frameLogger) ObserveFrame(f protocol.Frame) {
	fmt.Fprintf(l.w, "%s %-3s %s%s\n", l.peer, f.Dir, f.Header, preview(f))
}

// preview shows the start of a frame's (unmasked) payload: text quoted,
// binary or compressed (RSV1) in hex, a close frame's code and reason.
func preview(f protocol.Frame) string {
	p := f.Unmasked
	if f.Header.Rsv1 && !f.Header.Opcode.IsControl() {
		if len(p) > 32 {
			return fmt.Sprintf("  compressed %x...", p[:32])
		}
		return fmt.Sprintf("  compressed %x", p)
	}
	switch f.Header.Opcode {
	case protocol.OpClose:
		ce, err := protocol.ParseClosePayload(p)
		if err != nil {
			return fmt.Sprintf("  %x (%v)", p, err)
		}
		if ce.Reason != "" {
			return fmt.Sprintf("  %s %q", ce.Code, ce.Reason)
		}
		return "  " + ce.Code.String()
	case protocol.OpBinary:
		if len(p) > 32 {
			return fmt.Sprintf("  %x...", p[:32])
		}
		if len(p) > 0 {
			return fmt.Sprintf("  %x", p)
		}
		return ""
	}
	if len(p) == 0 {
		return ""
	}
	// Text, or a continuation or ping whose bytes may be text.
	if len(p) > 60 {
		cut := 60
		for cut > 0 && !utf8.RuneStart(p[cut]) {
			cut--
		}
		return fmt.Sprintf("  %q...", p[:cut])
	}
	return fmt.Sprintf("  %q", p)
}
