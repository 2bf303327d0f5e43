package main

import (
	"context"
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

func newHubServer() (*hubServer, error) {
	dir, err := os.MkdirTemp("", "wtbench-hub-")
	if err != nil {
		return nil, err
	}
	s, err := server.New(server.Config{
		Key:          hubKey,
		StateDir:     dir,
		MaxConns:     20000,
		PingInterval: time.Hour, // the raw clients never answer pings
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
