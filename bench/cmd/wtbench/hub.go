package main

import (
	"context"
	"log"
	"net"
	"os"
	"time"

	"wiretalk/server"
)

// hubKey is the presenter key of the hub benchmark.
const hubKey = "wtbench-presenter-key"

// hubServer is wiretalk's own server (server/) presenting the embedded
// talk: audience sockets at /ws, the presenter's at /ws/presenter. A slide
// change is timed from the presenter's "goto" frame, sent by the clients
// process, to the last audience socket's receipt of the new state. The
// server keeps the talk's position in a file, as "wiretalk serve" does,
// so that a key press costs here what it costs in a talk.
type hubServer struct {
	s        *server.Server
	next     int
	stateDir string // a temporary folder for the position's file
}

// hubOptions are the hub server's flags (wtbench server -lib hub).
type hubOptions struct {
	deck string        // the deck's file; "" presents the embedded talk
	ping time.Duration // the heartbeat's interval; 0 means an hour, as good as none
	log  bool          // the server's log on stderr
}

func newHubServer(o hubOptions) (*hubServer, error) {
	dir, err := os.MkdirTemp("", "wtbench-hub-")
	if err != nil {
		return nil, err
	}
	if o.ping <= 0 {
		o.ping = time.Hour // the raw clients answer pings only when told to
	}
	var logf func(string, ...any)
	if o.log {
		logf = log.New(os.Stderr, "wtbench server: ", log.Ltime|log.Lmicroseconds).Printf
	}
	s, err := server.New(server.Config{
		Logf:         logf,
		Deck:         o.deck,
		Key:          hubKey,
		StateDir:     dir,
		MaxConns:     20000,
		PingInterval: o.ping,
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &hubServer{s: s, stateDir: dir}, nil
}

// Close shuts the server down, which writes any save still pending, and
// only then removes the folder of the position's file, so that no late
// save can make the folder again.
func (h *hubServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.s.Shutdown(ctx)
	return os.RemoveAll(h.stateDir)
}

func (h *hubServer) Serve(ln net.Listener) error {
	return h.s.HTTPServer(ln.Addr().String(), nil).Serve(ln) // the timeouts "wiretalk serve" has
}

// Broadcast moves to the next slide as the presenter would; the benchmark
// sends the presenter's frame instead, through the real path.
func (h *hubServer) Broadcast([]byte) {
	h.next = 1 - h.next
	h.s.Goto(h.next)
}

func (h *hubServer) Conns() int { return h.s.AudienceCount() }

// Reload reads the deck's file again, as the server's watch does after
// an edit (the control port's "reload").
func (h *hubServer) Reload() { h.s.Reload() }
