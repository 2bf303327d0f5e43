//go:build unix

package protocol

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRawSocketIsAConn: a RawSocket (raw system calls on Linux, package
// syscall's in race builds) behaves as a net.Conn must: all of a write larger than the socket buffers arrives,
// in order; deadlines, the peer's close and our own Close end a read with
// the errors package net gives.
func TestRawSocketIsAConn(t *testing.T) {
	c, p := rawSocketPair(t)
	if _, ok := c.(*rawSocket); !ok {
		t.Fatalf("RawSocket of a TCP connection is a %T, not a *rawSocket", c)
	}

	// 8 MiB one way: the write waits for the poller many times over.
	want := make([]byte, 8<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(p, int64(len(want))))
		got <- b
	}()
	if n, err := c.Write(want); n != len(want) || err != nil {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(want))
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("the peer read %d bytes, not the %d written, or not the same", len(b), len(want))
	}

	// And back, in the small reads a protocol parser makes.
	go p.Write(want[:1<<20])
	back := make([]byte, 0, 1<<20)
	buf := make([]byte, 1000)
	for len(back) < 1<<20 {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("Read after %d bytes: %v", len(back), err)
		}
		back = append(back, buf[:n]...)
	}
	if !bytes.Equal(back, want[:1<<20]) {
		t.Fatal("the bytes read back differ from those the peer wrote")
	}
	if n, err := c.Read(nil); n != 0 || err != nil {
		t.Errorf("Read of nothing = %d, %v; want 0, nil", n, err)
	}

	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := c.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read past its deadline: %v; want a deadline error", err)
	}
	c.SetReadDeadline(time.Time{})

	p.Close()
	if _, err := c.Read(buf); err != io.EOF {
		t.Errorf("Read after the peer closed: %v; want io.EOF", err)
	}
	// Writes to a peer that has gone fail (the first may still be taken).
	var werr error
	for range 100 {
		if _, werr = c.Write([]byte("PING\r\n")); werr != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if werr == nil {
		t.Error("writes to a closed peer kept succeeding")
	}

	c.Close()
	if _, err := c.Read(buf); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close: %v; want net.ErrClosed", err)
	} else if strings.Contains(err.Error(), "raw-") {
		t.Errorf("Read after Close: %q names the poller's call, not the read", err)
	}
}

// rawSocketPair dials a loopback listener and returns the connection, as
// a RawSocket, and the peer's end of it, both closed when t ends.
func rawSocketPair(t *testing.T) (c, peer net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c = RawSocket(c)
	t.Cleanup(func() { c.Close() })
	peer, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	return c, peer
}
