//go:build linux && !race

package protocol

import (
	"context"
	"errors"
	"net"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// TestFrameWritesRaiseNoSIGPIPE checks that frame-sized writes are made
// with send(2) and MSG_NOSIGNAL, not write(2): a write on a socket that
// can no longer send fails with EPIPE and, from write(2), also raises
// SIGPIPE, which a program that asked for SIGPIPE (signal.Notify) would
// see as if its own pipe had broken. Both of Conn's frame writes are
// checked: Write (writeAll) and TryWritePrepared (writeNow).
func TestFrameWritesRaiseNoSIGPIPE(t *testing.T) {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGPIPE)
	defer signal.Stop(sigs)

	writes := map[string]func(c *Conn) error{
		"Write": func(c *Conn) error { return c.Write(context.Background(), OpText, []byte("hello")) },
		"TryWritePrepared": func(c *Conn) error {
			sent, err := c.TryWritePrepared(NewPrepared(OpText, []byte("hello")))
			if sent {
				return errors.New("reported as sent")
			}
			return err
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			a, _ := tcpPair(t)
			if err := a.(*net.TCPConn).CloseWrite(); err != nil { // the socket can no longer send: EPIPE
				t.Fatal(err)
			}
			c := newConn(a, connConfig{role: RoleServer})
			t.Cleanup(func() { c.CloseNow() })
			if c.raw == nil {
				t.Fatal("a loopback TCP socket has no raw path")
			}
			err := write(c)
			if !errors.Is(err, syscall.EPIPE) {
				t.Fatalf("write on a shut socket: got %v, want EPIPE", err)
			}
			select {
			case s := <-sigs:
				t.Fatalf("the write raised %v: it was not made with send(2) and MSG_NOSIGNAL", s)
			case <-time.After(100 * time.Millisecond):
			}
		})
	}
}
