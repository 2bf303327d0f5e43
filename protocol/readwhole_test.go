package protocol

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"testing"
	"time"
)

// FuzzReadMatchesReader feeds the same bytes to two Conns over loopback
// TCP, one read with Read, whose fast path (readWhole) takes a whole
// one-frame message straight from the read buffer, and one read with
// Reader, which never does, both with a read limit of limit+1 bytes. They
// must return the same messages and end the same way: the fast path
// checks nothing less and nothing more than the general one.
func FuzzReadMatchesReader(f *testing.F) {
	f.Add(slices.Concat(cf(true, OpText, "Hello"), cf(true, OpBinary, "\xff\x00")), false, uint16(4095))
	f.Add(cf(true, OpText, "\xc3\x28"), false, uint16(4095))                    // not UTF-8
	f.Add([]byte("\x81\xfe\x00\x05\x00\x00\x00\x00hello"), false, uint16(4095)) // a 16-bit length of 5: not minimal
	f.Add(slices.Concat(sf(true, OpBinary, "Hello"), sf(true, OpText, "ok")), true, uint16(4095))
	f.Add(cf(true, OpBinary, "Hello"), true, uint16(4095)) // masked, to a client
	f.Add(cf(true, OpBinary, "Hello"), false, uint16(3))   // over the limit
	f.Fuzz(func(t *testing.T, data []byte, client bool, limit uint16) {
		if len(data) > 1<<14 {
			return
		}
		whole, wholeEnd := readAllOver(t, data, client, int64(limit)+1, false)
		streamed, streamedEnd := readAllOver(t, data, client, int64(limit)+1, true)
		if fmt.Sprint(whole) != fmt.Sprint(streamed) || wholeEnd != streamedEnd {
			t.Fatalf("%q (client %v, limit %d):\nRead:   %q, %s\nReader: %q, %s", data, client, int64(limit)+1, whole, wholeEnd, streamed, streamedEnd)
		}
	})
}

// readAllOver sends data to a new Conn over loopback TCP, in one write
// and then EOF, and reads it with Read or, streaming, with Reader. It
// returns the messages read and how the reads ended.
func readAllOver(t *testing.T, data []byte, client bool, limit int64, streaming bool) ([]string, string) {
	a, peer := tcpPair(t)
	role := RoleServer
	if client {
		role = RoleClient
	}
	c := newConn(a, connConfig{role: role, readLimit: limit, closeTimeout: 50 * time.Millisecond})
	defer c.CloseNow()
	go io.Copy(io.Discard, peer) // pongs and the close frame
	peer.Write(data)
	peer.(*net.TCPConn).CloseWrite()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var msgs []string
	for {
		op, p, err := readMessage(ctx, c, streaming)
		if err != nil {
			return msgs, describeEnd(t, data, err)
		}
		msgs = append(msgs, describeMsg(op, p))
	}
}

// readMessage reads one message from c with Read or, streaming, with
// Reader and io.ReadAll.
func readMessage(ctx context.Context, c *Conn, streaming bool) (Opcode, []byte, error) {
	if !streaming {
		return c.Read(ctx)
	}
	op, r, err := c.Reader(ctx)
	if err != nil {
		return op, nil, err
	}
	p, err := io.ReadAll(r)
	return op, p, err
}

// describeEnd names how reads of data ended: the close code of a
// protocol violation or of the peer's close frame, or an EOF. Any other
// end fails t, a hang (ctx's deadline) among them.
func describeEnd(t *testing.T, data []byte, err error) string {
	var pe *ProtocolError
	var ce *CloseError
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf("failed with %d", pe.Code)
	case errors.As(err, &ce):
		return fmt.Sprintf("peer closed with %d", ce.Code)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "EOF inside a frame or message"
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, context.DeadlineExceeded):
		t.Fatalf("reads hung on %q", data)
	}
	t.Fatalf("reads of %q ended with %T %v", data, err, err)
	return ""
}

// TestReadWholeLendsInPlace checks that Read's fast path is taken for a
// message of one frame read whole from a socket: the payload it returns
// lies in the pooled read buffer, and the frame state the general path
// keeps (the current header) was not touched.
func TestReadWholeLendsInPlace(t *testing.T) {
	a, peer := tcpPair(t)
	c := newConn(a, connConfig{role: RoleServer})
	defer c.CloseNow()
	peer.Write(slices.Concat(cf(true, OpText, "first"), cf(true, OpBinary, "second")))
	for _, want := range []string{"text \"first\"", "binary \"second\""} {
		op, p, err := c.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := describeMsg(op, p); got != want {
			t.Fatalf("Read = %s, want %s", got, want)
		}
		if c.rpooled == nil || &p[0] != &c.rpooled[c.rpos-len(p)] {
			t.Fatalf("the payload of %s is not in the read buffer", want)
		}
		if c.hdr != (Header{}) {
			t.Fatalf("Read of %s went the general way (header %+v)", want, c.hdr)
		}
	}
}
