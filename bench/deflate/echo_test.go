package deflate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"wiretalk/protocol"
)

// An echo pair: a server of one library on loopback and a client of the
// same library, both compressing. roundTrip sends p and reads the echo.
type echoPair struct {
	roundTrip func(p []byte) error
	close     func()
}

// readEcho reads the echo of a message of sent bytes, which a library
// handed out as rd (or failed with err), into buf, and checks its length.
func readEcho(buf *bytes.Buffer, rd io.Reader, err error, sent int) error {
	if err != nil {
		return err
	}
	buf.Reset()
	if _, err := buf.ReadFrom(rd); err != nil {
		return err
	}
	if buf.Len() != sent {
		return fmt.Errorf("echo of %d bytes, sent %d", buf.Len(), sent)
	}
	return nil
}

// serve runs h on a loopback listener and returns its ws:// URL.
func serve(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "ws://" + ln.Addr().String() + "/"
}

func oursPair(b *testing.B, takeover bool) echoPair {
	opts := &protocol.DeflateOptions{NoContextTakeover: !takeover, PeerNoContextTakeover: !takeover}
	url := serve(b, oursEcho(opts))
	ctx := context.Background()
	c, _, err := protocol.Dial(ctx, url, &protocol.DialOptions{ReadLimit: 1 << 20, Deflate: opts})
	if err != nil {
		b.Fatal(err)
	}
	if p, ok := c.Negotiated(); !ok || p.ServerNoContextTakeover == takeover {
		b.Fatalf("negotiated %q", p)
	}
	return echoPair{
		roundTrip: func(p []byte) error {
			if err := c.Write(ctx, protocol.OpText, p); err != nil {
				return err
			}
			_, got, err := c.Read(ctx)
			if err == nil && len(got) != len(p) {
				err = fmt.Errorf("echo of %d bytes, sent %d", len(got), len(p))
			}
			return err
		},
		close: func() { c.CloseNow() },
	}
}

func coderPair(b *testing.B, takeover bool) echoPair {
	mode := coder.CompressionNoContextTakeover
	if takeover {
		mode = coder.CompressionContextTakeover
	}
	// The server compresses every message (CompressionThreshold 1); the
	// client keeps coder's default threshold, which every size here passes.
	url := serve(b, coderEcho(takeover))
	ctx := context.Background()
	c, _, err := coder.Dial(ctx, url, &coder.DialOptions{CompressionMode: mode})
	if err != nil {
		b.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	var buf bytes.Buffer
	return echoPair{
		roundTrip: func(p []byte) error {
			if err := c.Write(ctx, coder.MessageText, p); err != nil {
				return err
			}
			_, rd, err := c.Reader(ctx)
			return readEcho(&buf, rd, err, len(p))
		},
		close: func() { c.CloseNow() },
	}
}

// gorillaPair: gorilla/websocket compresses without context takeover only
// (it always negotiates server_ and client_no_context_takeover).
func gorillaPair(b *testing.B) echoPair {
	url := serve(b, gorillaEcho(true))
	d := websocket.Dialer{EnableCompression: true}
	c, resp, err := d.Dial(url, nil)
	if err != nil {
		b.Fatal(err)
	}
	if resp.Header.Get("Sec-WebSocket-Extensions") == "" {
		b.Fatal("gorilla did not negotiate compression")
	}
	var buf bytes.Buffer
	return echoPair{
		roundTrip: func(p []byte) error {
			if err := c.WriteMessage(websocket.TextMessage, p); err != nil {
				return err
			}
			_, rd, err := c.NextReader()
			return readEcho(&buf, rd, err, len(p))
		},
		close: func() { c.Close() },
	}
}

// BenchmarkEcho: one connection, the client sends a JSON-like text message
// (a different one each time, from 16) and waits for the echo; both ends
// compress at flate.BestSpeed, every library's default. ns/op is one
// round trip: two compressions and two inflations.
func BenchmarkEcho(b *testing.B) {
	for _, takeover := range []bool{true, false} {
		mode := map[bool]string{true: "takeover", false: "no-takeover"}[takeover]
		for _, size := range []int{1 << 10, 64 << 10} {
			msgs := jsonMessages(size, 16)
			libs := []struct {
				name string
				pair func(*testing.B) echoPair
			}{
				{"wiretalk", func(b *testing.B) echoPair { return oursPair(b, takeover) }},
				{"coder", func(b *testing.B) echoPair { return coderPair(b, takeover) }},
			}
			if !takeover {
				libs = append(libs, struct {
					name string
					pair func(*testing.B) echoPair
				}{"gorilla", gorillaPair})
			}
			for _, lib := range libs {
				b.Run(fmt.Sprintf("%s/%dKiB/%s", mode, size>>10, lib.name), func(b *testing.B) {
					pair := lib.pair(b)
					defer pair.close()
					for i := range 32 { // warm up: pools, windows
						if err := pair.roundTrip(msgs[i%len(msgs)]); err != nil {
							b.Fatal(err)
						}
					}
					b.SetBytes(int64(size))
					b.ReportAllocs()
					i := 0
					cpu := cpuTime()
					for b.Loop() {
						if err := pair.roundTrip(msgs[i%len(msgs)]); err != nil {
							b.Fatal(err)
						}
						i++
					}
					b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
				})
			}
		}
	}
}
