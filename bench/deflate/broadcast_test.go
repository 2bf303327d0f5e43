package deflate

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wiretalk/protocol"
)

// The broadcast benchmark holds 10,000 sockets: the clients live in a
// child process (this test binary run again), since a process may open
// 20,000 files here and the two ends together would take more.

const clientsEnv = "WIRETALK_DEFLATE_CLIENTS" // "addr n offer" in the child

func TestMain(m *testing.M) {
	if spec := os.Getenv(clientsEnv); spec != "" {
		os.Exit(holdClients(spec))
	}
	os.Exit(m.Run())
}

// holdClients opens n sockets to addr with the offer (or none), reads and
// drops whatever arrives, prints "ready" once all are open, and exits
// when its stdin closes.
func holdClients(spec string) int {
	parts := strings.SplitN(spec, " ", 3)
	n, _ := strconv.Atoi(parts[1])
	offer := ""
	if len(parts) == 3 {
		offer = parts[2]
	}
	for i := range n {
		c, err := net.Dial("tcp", parts[0])
		if err != nil {
			fmt.Println("dial", i, err)
			return 1
		}
		req := "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
		if offer != "" {
			req += "Sec-WebSocket-Extensions: " + offer + "\r\n"
		}
		if _, err := c.Write([]byte(req + "\r\n")); err != nil {
			fmt.Println("handshake", i, err)
			return 1
		}
		go io.Copy(io.Discard, c) // the response, then every frame
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// broadcastServer accepts n connections with deflate (nil: none) and
// returns them once all are there, and a function that ends the clients.
func broadcastServer(b *testing.B, n int, deflate *protocol.DeflateOptions, offer string) ([]*protocol.Conn, func()) {
	var mu sync.Mutex
	var conns []*protocol.Conn
	all := make(chan struct{})
	url := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := protocol.Accept(w, r, &protocol.AcceptOptions{Deflate: deflate})
		if err != nil {
			return
		}
		go c.Read(context.Background()) // control frames; ends at close
		mu.Lock()
		conns = append(conns, c)
		if len(conns) == n {
			close(all)
		}
		mu.Unlock()
	}))
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), clientsEnv+"="+addr+" "+strconv.Itoa(n)+" "+offer)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "ready\n" {
		b.Fatalf("clients: %q", line)
	}
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		b.Fatalf("%d of %d connections", len(conns), n)
	}
	return conns, func() {
		for _, c := range conns {
			c.CloseNow()
		}
		stdin.Close()
		cmd.Wait()
	}
}

// BenchmarkBroadcast10k: one 1 KiB JSON-like text message, a new
// Prepared each time, to 10,000 sockets, the way server/hub.go writes
// (TryWritePrepared in turn, a goroutine for a socket that cannot take
// it at once), with permessage-deflate negotiated without context
// takeover (the message compressed once for all) and without the
// extension. ns/op and cpu-ns/op are one whole broadcast on the server's
// side; run with -benchtime 20x.
func BenchmarkBroadcast10k(b *testing.B) {
	const n = 10000
	msgs := jsonMessages(1<<10, 16)
	for _, tc := range []struct {
		name    string
		deflate *protocol.DeflateOptions
		offer   string
	}{
		{"uncompressed", nil, ""},
		{"compressed", &protocol.DeflateOptions{NoContextTakeover: true, PeerNoContextTakeover: true},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			conns, stop := broadcastServer(b, n, tc.deflate, tc.offer)
			defer stop()
			if _, ok := conns[0].Negotiated(); ok != (tc.deflate != nil) {
				b.Fatalf("negotiated %v", ok)
			}
			ctx := context.Background()
			var wg sync.WaitGroup
			i := 0
			var cpu int64
			for b.Loop() {
				b.StopTimer()
				time.Sleep(20 * time.Millisecond) // let the clients drain
				b.StartTimer()
				start := cpuTime()
				m := protocol.NewPrepared(protocol.OpText, msgs[i%len(msgs)])
				i++
				for _, c := range conns {
					if sent, err := c.TryWritePrepared(m); !sent && err == nil {
						wg.Add(1)
						go func() { c.WritePrepared(ctx, m); wg.Done() }()
					}
				}
				wg.Wait()
				cpu += cpuTime() - start
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
