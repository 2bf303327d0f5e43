package protocol

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"wiretalk/internal/leakcheck"
)

// TestMain fails the run when tests leave goroutines behind: every
// connection's goroutines, timers' callbacks and test servers must be gone
// once the tests are.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t testing.TB) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	b, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { r.c.Close(); b.Close() })
	return r.c, b
}

// oneByteConn delivers at most one byte per Read, as
// iotest.OneByteReader does, to exercise every partial read.
type oneByteConn struct{ net.Conn }

func (c oneByteConn) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return c.Conn.Read(p)
}

func (c oneByteConn) CloseWrite() error { return c.Conn.(*net.TCPConn).CloseWrite() }

// newRawPair returns a Conn with role over TCP and the raw other end, on
// which the test writes and reads bytes itself.
func newRawPair(t testing.TB, role Role, cfg connConfig) (*Conn, net.Conn) {
	t.Helper()
	a, b := tcpPair(t)
	cfg.role = role
	c := newConn(a, cfg)
	t.Cleanup(func() { c.CloseNow() })
	return c, b
}

// newConnPair returns a server and a client Conn connected over TCP,
// without the HTTP handshake.
func newConnPair(t testing.TB) (server, client *Conn) {
	t.Helper()
	a, b := tcpPair(t)
	server = newConn(a, connConfig{role: RoleServer})
	client = newConn(b, connConfig{role: RoleClient})
	t.Cleanup(func() { server.CloseNow(); client.CloseNow() })
	return server, client
}

// frame builds the wire bytes of one frame; a client frame (masked) gets
// a fixed key.
func frame(masked, fin bool, op Opcode, payload []byte) []byte {
	h := Header{Fin: fin, Opcode: op, Masked: masked, Key: [4]byte{0xa1, 0xb2, 0xc3, 0xd4}, Length: int64(len(payload))}
	b := AppendHeader(nil, h)
	p := append([]byte(nil), payload...)
	if masked {
		Mask(p, h.Key, 0)
	}
	return append(b, p...)
}

// wireFrame is a frame as the raw peer read it.
type wireFrame struct {
	Header
	Payload []byte // unmasked
}

func (f wireFrame) String() string {
	if f.Opcode == OpClose && len(f.Payload) >= 2 {
		return fmt.Sprintf("close %d %q", binary.BigEndian.Uint16(f.Payload), f.Payload[2:])
	}
	return fmt.Sprintf("%s %q", f.Header, f.Payload)
}

// readFrames reads frames from r until EOF, an error or the timeout.
func readFrames(t testing.TB, r net.Conn, timeout time.Duration) (frames []wireFrame, err error) {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(timeout))
	br := bufio.NewReader(r)
	var hb [MaxHeaderSize]byte
	for {
		h, err := ReadHeader(br, hb[:])
		if err != nil {
			return frames, err
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(br, p); err != nil {
			return frames, err
		}
		if h.Masked {
			Mask(p, h.Key, 0)
		}
		frames = append(frames, wireFrame{h, p})
	}
}

// closeCode returns the status code in a close frame's payload, or 1005.
func closeCode(f wireFrame) StatusCode {
	if len(f.Payload) < 2 {
		return StatusNoStatusReceived
	}
	return StatusCode(binary.BigEndian.Uint16(f.Payload))
}

// waitClosed fails the test unless c closes within d.
func waitClosed(t *testing.T, c *Conn, d time.Duration) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(d):
		t.Fatalf("connection still open after %v", d)
	}
}
