package main

import (
	"net"
	"time"

	"wiretalk/server"
)

// hubKey is the presenter key of the hub benchmark.
const hubKey = "wtbench-presenter-key"

// hubServer is wiretalk's own server (server/) presenting the embedded
// talk: audience sockets at /ws, the presenter's at /ws/presenter. A slide
// change is timed from the presenter's "goto" frame, sent by the clients
// process, to the last audience socket's receipt of the new state.
type hubServer struct {
	s    *server.Server
	next int
}

func newHubServer() (*hubServer, error) {
	s, err := server.New(server.Config{
		Key:          hubKey,
		NoState:      true,
		MaxConns:     20000,
		PingInterval: time.Hour, // the raw clients never answer pings
	})
	if err != nil {
		return nil, err
	}
	return &hubServer{s: s}, nil
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
