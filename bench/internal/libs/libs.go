// Package libs puts every WebSocket library under test behind one small
// interface, so that the benchmark server runs the same workloads on each:
// echo every message back, hold idle connections, and broadcast one text
// message to every connection the way that library's users do it best.
package libs

import (
	"fmt"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Mode is what a server does with its connections.
type Mode string

const (
	Echo      Mode = "echo"      // write every message back as it came
	Broadcast Mode = "broadcast" // read and drop; Broadcast sends to all
	Idle      Mode = "idle"      // only hold the connections, the library's normal way
)

// Server is one library serving WebSocket connections.
type Server interface {
	// Serve accepts connections on ln until the process ends.
	Serve(ln net.Listener) error
	// Broadcast sends payload as one text message to every connection. It
	// starts the writes and returns without waiting for them.
	Broadcast(payload []byte)
	// Conns returns the number of open WebSocket connections.
	Conns() int
}

// Names lists the servers New knows: the libraries under test, "raw" (the
// floor: the same bytes with plain writes on sockets upgraded by hand) and
// wiretalk's own protocol package as "wiretalk".
var Names = []string{"wiretalk", "gorilla", "coder", "gobwas", "gws", "raw"}

// New returns the server for lib in mode.
func New(lib string, mode Mode) (Server, error) {
	switch mode {
	case Echo, Broadcast, Idle:
	default:
		return nil, fmt.Errorf("unknown mode %q", mode)
	}
	switch lib {
	case "wiretalk":
		return newOurs(mode), nil
	case "gorilla":
		return newGorilla(mode), nil
	case "coder":
		return newCoder(mode), nil
	case "gobwas":
		return newGobwas(mode)
	case "gws":
		return newGWS(mode), nil
	case "raw":
		if mode == Echo {
			return nil, fmt.Errorf("raw has no echo mode")
		}
		return newRaw(mode), nil
	}
	return nil, fmt.Errorf("unknown library %q (known: %v)", lib, Names)
}

// registry is the set of open connections of one server. Broadcasts take
// a snapshot, so that they never hold the lock while writing.
type registry[T comparable] struct {
	mu   sync.Mutex
	list []T
}

func (r *registry[T]) add(c T) {
	r.mu.Lock()
	r.list = append(r.list, c)
	r.mu.Unlock()
}

func (r *registry[T]) remove(c T) {
	r.mu.Lock()
	if i := slices.Index(r.list, c); i >= 0 {
		last := len(r.list) - 1
		r.list[i] = r.list[last]
		var zero T
		r.list[last] = zero
		r.list = r.list[:last]
	}
	r.mu.Unlock()
}

func (r *registry[T]) snapshot() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.list)
}

func (r *registry[T]) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.list)
}

// perP runs f on runtime.GOMAXPROCS(0) parts of list, each in a goroutine
// of its own: a fixed split of a broadcast among writers, as gobwas's users
// and the floor do it.
func perP[T any](list []T, f func([]T)) {
	n := max(runtime.GOMAXPROCS(0), 1)
	per := max((len(list)+n-1)/n, 1)
	for part := range slices.Chunk(list, per) {
		go f(part)
	}
}

// shared runs f on batches of list from runtime.GOMAXPROCS(0) goroutines
// that take batch elements at a time from a shared counter until none are
// left: server/hub.go's split of a broadcast among writers, in which a
// writer that the machine holds up leaves its batches to the others.
func shared[T any](list []T, batch int, f func([]T)) {
	var taken atomic.Int64
	for range max(runtime.GOMAXPROCS(0), 1) {
		go func() {
			for {
				i := int(taken.Add(int64(batch)) - int64(batch))
				if i >= len(list) {
					return
				}
				f(list[i:min(i+batch, len(list))])
			}
		}()
	}
}

// acceptEach accepts connections on ln until it fails, and hands each to
// handle in a goroutine of its own: the accept loop of the servers that
// do without net/http.
func acceptEach(ln net.Listener, handle func(net.Conn)) error {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return err
		}
		go handle(nc)
	}
}
