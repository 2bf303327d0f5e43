package micro

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/coder/websocket"
	"github.com/gobwas/ws"
	gorilla "github.com/gorilla/websocket"
	"github.com/lxzan/gws"

	"wiretalk/bench/internal/rawws"
	"wiretalk/protocol"
)

// MessageSizes are the payload sizes of the read and write benchmarks.
var MessageSizes = []int{16, 1 << 10, 64 << 10}

// Libs are the libraries of the read and write benchmarks.
var Libs = []string{"wiretalk", "gorilla", "coder", "gobwas", "gws"}

// endpoint is the server end of one connection through one library, with
// that library's cheapest way to read a whole message into memory it owns
// and to write one.
type endpoint struct {
	read  func() error
	write func(p []byte) error
	close func()
}

// ConnBenches returns the steady-state read and write benchmarks: a
// server connection on real loopback TCP reading messages that a raw
// client streams to it pre-masked, or writing messages that a raw client
// drains.
func ConnBenches() []Bench {
	var out []Bench
	for _, dir := range []string{"read", "write"} {
		for _, size := range MessageSizes {
			for _, lib := range Libs {
				name := dir + "/" + lib + "/" + SizeName(size)
				if dir == "read" {
					out = append(out, Bench{name, func(b *testing.B) { benchRead(b, lib, size) }})
				} else {
					out = append(out, Bench{name, func(b *testing.B) { benchWrite(b, lib, size) }})
				}
			}
		}
	}
	return out
}

func benchWrite(b *testing.B, lib string, size int) {
	ep, client, err := open(lib)
	if err != nil {
		b.Fatal(err)
	}
	defer ep.close()
	drained := make(chan struct{})
	go func() {
		io.Copy(io.Discard, client)
		close(drained)
	}()
	p := bytes.Repeat([]byte{'w'}, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := ep.write(p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	client.Close()
	<-drained
}

func benchRead(b *testing.B, lib string, size int) {
	ep, client, err := open(lib)
	if err != nil {
		b.Fatal(err)
	}
	defer ep.close()
	frame := rawws.Frame(rawws.OpBinary, bytes.Repeat([]byte{'r'}, size), true)
	per := max(1, (256<<10)/len(frame)) // frames per write
	batch := bytes.Repeat(frame, per)
	n := b.N
	fed := make(chan error, 1)
	go func() {
		for left := n; left > 0; {
			k := min(left, per)
			if _, err := client.Write(batch[:k*len(frame)]); err != nil {
				fed <- err
				return
			}
			left -= k
		}
		fed <- nil
	}()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range n {
		if err := ep.read(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := <-fed; err != nil {
		b.Fatal(err)
	}
	client.Close()
}

// open makes one loopback connection: the server end through lib, the
// client end a plain TCP connection that has done the handshake.
func open(lib string) (endpoint, net.Conn, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return endpoint{}, nil, err
	}
	defer ln.Close()
	type result struct {
		ep  endpoint
		err error
	}
	res := make(chan result, 1)
	if lib == "gobwas" {
		go func() {
			nc, err := ln.Accept()
			if err != nil {
				res <- result{err: err}
				return
			}
			ep, err := gobwasEndpoint(nc)
			res <- result{ep, err}
		}()
	} else {
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ep, err := httpEndpoint(lib, w, r)
			res <- result{ep, err}
		})}
		go srv.Serve(ln)
	}
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return endpoint{}, nil, err
	}
	if err := clientHandshake(client); err != nil {
		client.Close()
		return endpoint{}, nil, err
	}
	r := <-res
	if r.err != nil {
		client.Close()
		return endpoint{}, nil, r.err
	}
	return r.ep, client, nil
}

func clientHandshake(nc net.Conn) error {
	_, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: "+rawws.Key+"\r\nSec-WebSocket-Version: 13\r\n\r\n")
	if err != nil {
		return err
	}
	// Byte by byte, so that nothing after the response is consumed.
	var head []byte
	b := make([]byte, 1)
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		if _, err := nc.Read(b); err != nil {
			return err
		}
		head = append(head, b[0])
	}
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 101")) {
		return fmt.Errorf("handshake refused: %q", head)
	}
	return nil
}

func httpEndpoint(lib string, w http.ResponseWriter, r *http.Request) (endpoint, error) {
	ctx := context.Background()
	switch lib {
	case "wiretalk":
		c, err := protocol.Accept(w, r, &protocol.AcceptOptions{ReadLimit: 1 << 20})
		if err != nil {
			return endpoint{}, err
		}
		return endpoint{
			read: func() error {
				_, _, err := c.Read(ctx)
				return err
			},
			write: func(p []byte) error { return c.Write(ctx, protocol.OpBinary, p) },
			close: func() { c.CloseNow() },
		}, nil
	case "gorilla":
		up := gorilla.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return endpoint{}, err
		}
		var buf bytes.Buffer
		return endpoint{
			read: func() error {
				_, rd, err := c.NextReader()
				if err != nil {
					return err
				}
				buf.Reset()
				_, err = buf.ReadFrom(rd)
				return err
			},
			write: func(p []byte) error { return c.WriteMessage(gorilla.BinaryMessage, p) },
			close: func() { c.Close() },
		}, nil
	case "coder":
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return endpoint{}, err
		}
		c.SetReadLimit(1 << 20)
		var buf bytes.Buffer
		return endpoint{
			read: func() error {
				_, rd, err := c.Reader(ctx)
				if err != nil {
					return err
				}
				buf.Reset()
				_, err = buf.ReadFrom(rd)
				return err
			},
			write: func(p []byte) error { return c.Write(ctx, websocket.MessageBinary, p) },
			close: func() { c.CloseNow() },
		}, nil
	case "gws":
		up := gws.NewUpgrader(gws.BuiltinEventHandler{}, &gws.ServerOption{ReadMaxPayloadSize: 1 << 20})
		c, err := up.Upgrade(w, r)
		if err != nil {
			return endpoint{}, err
		}
		return endpoint{
			read: func() error {
				m, err := c.ReadMessage()
				if err != nil {
					return err
				}
				return m.Close()
			},
			write: func(p []byte) error { return c.WriteMessage(gws.OpcodeBinary, p) },
			close: func() { c.NetConn().Close() },
		}, nil
	}
	return endpoint{}, fmt.Errorf("unknown library %q", lib)
}

func gobwasEndpoint(nc net.Conn) (endpoint, error) {
	if _, err := ws.Upgrade(nc); err != nil {
		nc.Close()
		return endpoint{}, err
	}
	br := bufio.NewReaderSize(nc, 4096)
	bw := bufio.NewWriterSize(nc, 4096)
	var payload []byte
	hbuf := make([]byte, ws.MaxHeaderSize) // the *Buffer calls: ReadHeader and WriteHeader allocate
	return endpoint{
		read: func() error {
			h, err := ws.ReadHeaderBuffer(br, hbuf)
			if err != nil {
				return err
			}
			if int64(cap(payload)) < h.Length {
				payload = make([]byte, h.Length)
			}
			p := payload[:h.Length]
			if _, err := io.ReadFull(br, p); err != nil {
				return err
			}
			if !h.Masked {
				return errors.New("unmasked client frame")
			}
			ws.Cipher(p, h.Mask, 0)
			return nil
		},
		write: func(p []byte) error {
			if err := ws.WriteHeaderBuffer(bw, ws.Header{Fin: true, OpCode: ws.OpBinary, Length: int64(len(p))}, hbuf); err != nil {
				return err
			}
			bw.Write(p)
			return bw.Flush()
		},
		close: func() { nc.Close() },
	}, nil
}
