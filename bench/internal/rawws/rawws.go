// Package rawws is the benchmark's own minimal WebSocket client: raw
// Linux sockets driven by syscalls, a handshake written by hand with a fixed
// key, frames masked once before the clock starts, and a streaming frame
// parser that only counts. Every server under test faces the very same
// client, so differences in the figures are the servers' own.
//
// It is not a WebSocket implementation: it does not check what servers
// send beyond what the benchmarks need (status line, accept key, frame
// lengths), never answers pings and never closes cleanly.
package rawws

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"
)

// The fixed handshake key and the accept value a correct server answers
// with (the example of RFC 6455 §1.3).
const (
	Key    = "dGhlIHNhbXBsZSBub25jZQ=="
	Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// MaskKey is the masking key of every frame the client sends. A fixed key
// is fine here: RFC 6455 §5.3 asks for unpredictable keys to protect
// intermediaries, and there are none on loopback.
var MaskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// Dial opens a blocking TCP socket to addr, sends the opening handshake for
// path (with its query) and reads the server's answer. It returns the
// socket and whatever the server sent after the response headers (a server
// may send its first frames at once). The socket has TCP_NODELAY set and a
// receive timeout, so that a silent server cannot hang the benchmark.
func Dial(addr netip.AddrPort, path string, timeout time.Duration) (fd int, rest []byte, err error) {
	return DialHeader(addr, path, "", timeout)
}

// DialHeader is Dial with more request header lines, each ending in
// "\r\n" (an Origin, a Cookie), as a browser's handshake carries them.
func DialHeader(addr netip.AddrPort, path, header string, timeout time.Duration) (fd int, rest []byte, err error) {
	if !addr.Addr().Is4() {
		return -1, nil, fmt.Errorf("rawws: %s is not an IPv4 address", addr)
	}
	fd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, fmt.Errorf("rawws: socket: %w", err)
	}
	defer func() {
		if err != nil {
			syscall.Close(fd)
			fd = -1
		}
	}()
	if err = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
		return fd, nil, fmt.Errorf("rawws: TCP_NODELAY: %w", err)
	}
	tv := syscall.NsecToTimeval(timeout.Nanoseconds())
	if err = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return fd, nil, fmt.Errorf("rawws: SO_RCVTIMEO: %w", err)
	}
	if err = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv); err != nil {
		return fd, nil, fmt.Errorf("rawws: SO_SNDTIMEO: %w", err)
	}
	sa := &syscall.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
	if err = connect(fd, sa, timeout); err != nil {
		return fd, nil, fmt.Errorf("rawws: connect %s: %w", addr, err)
	}
	req := "GET " + path + " HTTP/1.1\r\n" +
		"Host: " + addr.String() + "\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + Key + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n" + header + "\r\n"
	if err = WriteAll(fd, []byte(req)); err != nil {
		return fd, nil, fmt.Errorf("rawws: handshake: %w", err)
	}
	buf := make([]byte, 0, 1024)
	for {
		if len(buf) == cap(buf) {
			return fd, nil, errors.New("rawws: handshake response over 1 KiB")
		}
		n, rerr := syscall.Read(fd, buf[len(buf):cap(buf)])
		if rerr == syscall.EINTR {
			continue
		}
		if rerr != nil {
			return fd, nil, fmt.Errorf("rawws: reading handshake response: %w", rerr)
		}
		if n == 0 {
			return fd, nil, fmt.Errorf("rawws: server closed during handshake; got %q", buf)
		}
		buf = buf[:len(buf)+n]
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			head := buf[:i+2]
			if !bytes.HasPrefix(head, []byte("HTTP/1.1 101 ")) {
				line, _, _ := bytes.Cut(head, []byte("\r\n"))
				return fd, nil, fmt.Errorf("rawws: handshake refused: %q", line)
			}
			if !bytes.Contains(bytes.ToLower(head), []byte("\r\nsec-websocket-accept: "+toLower(Accept)+"\r\n")) {
				return fd, nil, fmt.Errorf("rawws: wrong or missing Sec-WebSocket-Accept in %q", head)
			}
			return fd, append([]byte(nil), buf[i+4:]...), nil
		}
	}
}

func toLower(s string) string { return string(bytes.ToLower([]byte(s))) }

// connect connects the blocking socket fd. A signal (the Go runtime
// preempts goroutines with SIGURG) interrupts a blocking connect with
// EINTR while the kernel goes on connecting; calling connect again then
// reports EALREADY until it is done, and EISCONN once it is.
func connect(fd int, sa syscall.Sockaddr, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		switch err := syscall.Connect(fd, sa); err {
		case nil, syscall.EISCONN:
			return nil
		case syscall.EINTR, syscall.EALREADY, syscall.EINPROGRESS:
			if time.Now().After(deadline) {
				return fmt.Errorf("not connected after %v", timeout)
			}
			time.Sleep(50 * time.Microsecond)
		default:
			return err
		}
	}
}

// WriteAll writes all of p to the socket fd. On a non-blocking socket
// it waits for room in the send buffer, for at most a second.
func WriteAll(fd int, p []byte) error {
	var deadline time.Time
	for len(p) > 0 {
		n, err := syscall.Write(fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			if deadline.IsZero() {
				deadline = time.Now().Add(time.Second)
			} else if time.Now().After(deadline) {
				return errors.New("rawws: send buffer full for a second")
			}
			time.Sleep(100 * time.Microsecond)
			continue
		case err != nil:
			return err
		}
		p = p[n:]
	}
	return nil
}

// Read reads at least one byte from the blocking socket fd into p,
// retrying a call that a signal interrupted. The server's closing the
// connection is an error.
func Read(fd int, p []byte) (int, error) {
	for {
		n, err := syscall.Read(fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return 0, errors.New("rawws: connection closed by the server")
		}
		return n, nil
	}
}

// Opcodes the client sends or recognises.
const (
	OpText   = 0x1
	OpBinary = 0x2
	OpPing   = 0x9
	OpPong   = 0xA
)

// ServerFrameSize returns the size on the wire of an unmasked frame (as a
// server sends it) with an n-byte payload.
func ServerFrameSize(n int) int {
	switch {
	case n <= 125:
		return 2 + n
	case n <= 0xFFFF:
		return 4 + n
	}
	return 10 + n
}

// Frame encodes one final frame. With masked, the payload is masked with
// MaskKey, as a client must send it; a server's frames are unmasked.
func Frame(op byte, payload []byte, masked bool) []byte {
	n := len(payload)
	b := make([]byte, 0, 14+n)
	var m byte
	if masked {
		m = 0x80
	}
	switch {
	case n <= 125:
		b = append(b, 0x80|op, m|byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x80|op, m|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|op, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if !masked {
		return append(b, payload...)
	}
	b = append(b, MaskKey[:]...)
	start := len(b)
	b = append(b, payload...)
	for i := range b[start:] {
		b[start+i] ^= MaskKey[i&3]
	}
	return b
}

// Parser follows a stream of frames from a server in pieces of any size
// and counts the complete data messages in it. It does not keep payloads.
type Parser struct {
	hdr   [14]byte
	hn    int   // header bytes held in hdr
	left  int64 // payload bytes of the current frame still to come; -1 between frames
	data  bool  // the current frame is a final data or continuation frame
	Bad   error // the first malformed header seen, if any
	bytes int64

	// OnPing, when set, is called with the payload of every ping, once
	// the whole frame has come (the payload is only valid during the
	// call). Pings are never counted as messages.
	OnPing func(payload []byte)
	ping   bool      // the current frame is a ping
	pingN  int       // its payload bytes held in pingB
	pingB  [125]byte // RFC 6455 §5.5: a control frame's payload is at most 125 bytes
}

// NewParser returns a parser positioned at the start of a frame.
func NewParser() Parser { return Parser{left: -1} }

// Feed consumes b and returns how many messages it completed.
func (p *Parser) Feed(b []byte) int {
	msgs := 0
	p.bytes += int64(len(b))
	for len(b) > 0 {
		if p.left < 0 { // in a header
			if p.hn < 2 {
				c := copy(p.hdr[p.hn:2], b)
				p.hn += c
				b = b[c:]
				if p.hn < 2 {
					return msgs
				}
			}
			need := 2
			switch p.hdr[1] & 0x7F {
			case 126:
				need += 2
			case 127:
				need += 8
			}
			if p.hdr[1]&0x80 != 0 {
				need += 4
				if p.Bad == nil {
					p.Bad = errors.New("rawws: server sent a masked frame")
				}
			}
			if p.hn < need {
				c := copy(p.hdr[p.hn:need], b)
				p.hn += c
				b = b[c:]
				if p.hn < need {
					return msgs
				}
			}
			var n int64
			switch l := p.hdr[1] & 0x7F; l {
			case 126:
				n = int64(binary.BigEndian.Uint16(p.hdr[2:]))
			case 127:
				n = int64(binary.BigEndian.Uint64(p.hdr[2:]) & (1<<63 - 1))
			default:
				n = int64(l)
			}
			op := p.hdr[0] & 0xF
			p.data = p.hdr[0]&0x80 != 0 && op < 0x8
			p.ping, p.pingN = op == OpPing && p.OnPing != nil, 0
			p.left = n
			p.hn = 0
			if n == 0 {
				p.frameDone(&msgs)
				continue
			}
		}
		take := min(p.left, int64(len(b)))
		if p.ping {
			p.pingN += copy(p.pingB[p.pingN:], b[:take])
		}
		b = b[take:]
		p.left -= take
		if p.left == 0 {
			p.frameDone(&msgs)
		}
	}
	return msgs
}

// frameDone ends the current frame: it counts a data message, or hands
// a ping to OnPing.
func (p *Parser) frameDone(msgs *int) {
	if p.data {
		*msgs++
	}
	if p.ping {
		p.OnPing(p.pingB[:p.pingN])
		p.ping = false
	}
	p.left = -1
}

// Bytes returns how many bytes the parser has been fed.
func (p *Parser) Bytes() int64 { return p.bytes }

// SplitFrame decodes the unmasked frame at the start of b: its opcode,
// whether it is final, and its payload (a slice of b). It returns n = 0
// while b holds less than a whole frame.
func SplitFrame(b []byte) (op byte, fin bool, payload []byte, n int, err error) {
	if len(b) < 2 {
		return 0, false, nil, 0, nil
	}
	if b[1]&0x80 != 0 {
		return 0, false, nil, 0, errors.New("rawws: server sent a masked frame")
	}
	size, hs := uint64(b[1]&0x7F), 2
	switch size {
	case 126:
		if len(b) < 4 {
			return 0, false, nil, 0, nil
		}
		size, hs = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0, false, nil, 0, nil
		}
		size, hs = binary.BigEndian.Uint64(b[2:]), 10
	}
	if size > 1<<30 {
		return 0, false, nil, 0, fmt.Errorf("rawws: a %d-byte frame", size)
	}
	if uint64(len(b)-hs) < size {
		return 0, false, nil, 0, nil
	}
	end := hs + int(size)
	return b[0] & 0xF, b[0]&0x80 != 0, b[hs:end], end, nil
}

// Payloads decodes the unmasked frames that make up b and returns their
// payloads joined: the message they carry.
func Payloads(b []byte) ([]byte, error) {
	var out []byte
	for len(b) > 0 {
		_, _, payload, n, err := SplitFrame(b)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, errors.New("rawws: truncated frame")
		}
		out = append(out, payload...)
		b = b[n:]
	}
	return out, nil
}
