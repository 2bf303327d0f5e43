package deflate

import (
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"wiretalk/protocol"
)

// rawDeflateClient opens a connection to url's host with a raw handshake
// offering offer (none if ""), sends one compressed 1 KiB text message and reads the
// echo, so that the server has made whatever compression state it keeps,
// and returns the connection, idle. It holds no buffer of its own.
func rawDeflateClient(addr, offer string, msg []byte) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	if offer != "" {
		req += "Sec-WebSocket-Extensions: " + offer + "\r\n"
	}
	req += "\r\n"
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(req)); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	compressed := offer != ""
	if err != nil || resp.StatusCode != 101 || compressed != strings.HasPrefix(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		c.Close()
		return nil, fmt.Errorf("handshake: %v %v", resp, err)
	}
	// One compressed message, masked.
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestSpeed)
	fw.Write(msg)
	fw.Flush()
	payload := bytes.TrimSuffix(z.Bytes(), []byte{0, 0, 0xff, 0xff})
	if !compressed {
		payload = msg
	}
	h := protocol.Header{Fin: true, Rsv1: compressed, Opcode: protocol.OpText, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: int64(len(payload))}
	frame := protocol.AppendHeader(nil, h)
	masked := append([]byte(nil), payload...)
	protocol.Mask(masked, h.Key, 0)
	if _, err := c.Write(append(frame, masked...)); err != nil {
		c.Close()
		return nil, err
	}
	var hb [protocol.MaxHeaderSize]byte
	eh, err := protocol.ReadHeader(br, hb[:])
	if err == nil {
		_, err = br.Discard(int(eh.Length))
	}
	if err != nil || eh.Rsv1 != compressed {
		c.Close()
		return nil, fmt.Errorf("echo: %v rsv1=%v", err, eh.Rsv1)
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

func heapAndStack() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// BenchmarkIdleMemory measures what an idle compressed connection holds:
// N raw clients each negotiate permessage-deflate with an echo server,
// send one compressed 1 KiB message and read the compressed echo, then
// stay idle. Reported: (HeapInuse + StackInuse) after GC, minus the same
// before, divided by N. It counts the server's connection and the raw
// client's net.Conn, the same for every library. Run with -benchtime 1x.
func BenchmarkIdleMemory(b *testing.B) {
	noCtx := "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
	cases := []struct {
		name  string
		h     func(*testing.B) http.Handler
		offer string
		n     int
	}{
		{"uncompressed/wiretalk", func(*testing.B) http.Handler { return oursEcho(nil) }, "", 2000},
		{"no-takeover/wiretalk", func(*testing.B) http.Handler { return oursEcho(&protocol.DeflateOptions{}) }, noCtx, 2000},
		{"no-takeover/gorilla", func(*testing.B) http.Handler { return gorillaEcho(false) }, noCtx, 2000},
		{"no-takeover/coder", func(*testing.B) http.Handler { return coderEcho(false) }, noCtx, 2000},
		{"takeover/wiretalk", func(*testing.B) http.Handler { return oursEcho(&protocol.DeflateOptions{}) }, "permessage-deflate", 200},
		{"takeover/coder", func(*testing.B) http.Handler { return coderEcho(true) }, "permessage-deflate", 200},
	}
	msg := jsonMessages(1<<10, 1)[0]
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				url := serve(b, tc.h(b))
				addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/")
				// One connection first, so that pools and the server's
				// goroutines exist before the baseline.
				warm, err := rawDeflateClient(addr, tc.offer, msg)
				if err != nil {
					b.Fatal(err)
				}
				defer warm.Close()
				before := heapAndStack()
				conns := make([]net.Conn, 0, tc.n)
				for range tc.n {
					c, err := rawDeflateClient(addr, tc.offer, msg)
					if err != nil {
						b.Fatal(err)
					}
					conns = append(conns, c)
				}
				time.Sleep(100 * time.Millisecond) // let handlers settle
				after := heapAndStack()
				b.ReportMetric(float64(int64(after)-int64(before))/float64(tc.n), "B/conn")
				for _, c := range conns {
					c.Close()
				}
			}
		})
	}
}
