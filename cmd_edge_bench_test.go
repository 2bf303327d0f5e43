package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wiretalk/protocol"
)

// BenchmarkRelayProcesses is the relay's benchmark at the scale
// docs/BENCHMARKS.md names, every part a process of its own: one
// "wiretalk serve" with -relay.n sockets, against nats-server, a presenter
// and two "wiretalk edge" processes with -relay.n sockets each. The
// sockets are held by client processes (this test binary run again with
// WIRETALK_BENCH_CLIENTS set), since one process may open 20,000 files
// here. A key press is the presenter socket's goto; it ends when the last
// socket of every client process has the new step, by the wall clock all
// processes share.
//
//	go test -run '^$' -bench RelayProcesses -benchtime 50x -relay.n 10000 .
var relayN = flag.Int("relay.n", 1000, "audience sockets per server in BenchmarkRelayProcesses")

func TestMain(m *testing.M) {
	if spec := os.Getenv("WIRETALK_BENCH_CLIENTS"); spec != "" {
		os.Exit(benchClients(spec))
	}
	os.Exit(m.Run())
}

// benchClients is a client process: "URL N" opens N audience sockets on
// URL, prints "ready", then "K UNIXNANO" once all N have received their
// K-th change of step, until stdin closes.
func benchClients(spec string) int {
	url, ns, _ := strings.Cut(spec, " ")
	n, _ := strconv.Atoi(ns)
	var (
		mu      sync.Mutex
		arrived = map[int]int{}
		joined  atomic.Int64
	)
	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
		outMu.Unlock()
	}
	dial := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for range n {
		dial <- struct{}{}
		wg.Add(1)
		go func() {
			var c *protocol.Conn
			for try := 0; ; try++ {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				var err error
				c, _, err = protocol.Dial(ctx, url, nil)
				cancel()
				if err == nil {
					break
				}
				if try == 20 {
					fmt.Fprintln(os.Stderr, "dial:", err)
					os.Exit(1)
				}
				time.Sleep(100 * time.Millisecond)
			}
			<-dial
			wg.Done()
			last, changes := -1, 0
			for {
				_, msg, err := c.Read(context.Background())
				if err != nil {
					return
				}
				var m struct {
					Type  string `json:"type"`
					Index int    `json:"index"`
				}
				if json.Unmarshal(msg, &m) != nil || m.Type != "state" {
					continue
				}
				if last == -1 {
					last = m.Index
					joined.Add(1)
					continue
				}
				if m.Index == last {
					continue
				}
				last = m.Index
				changes++
				mu.Lock()
				arrived[changes]++
				all := arrived[changes] == n
				mu.Unlock()
				if all {
					say("%d %d", changes, time.Now().UnixNano())
				}
			}
		}()
	}
	wg.Wait()
	for joined.Load() < int64(n) {
		time.Sleep(10 * time.Millisecond)
	}
	say("ready")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	return 0
}

// clientProc is a running client process and the times it reports.
type clientProc struct {
	cmd   *exec.Cmd
	stdin interface{ Close() error }
	times chan [2]int64
	ready chan struct{}
}

func startClients(b *testing.B, url string, n int) *clientProc {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "WIRETALK_BENCH_CLIENTS="+url+" "+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &clientProc{cmd: cmd, stdin: stdin, times: make(chan [2]int64, 1024), ready: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(c.ready)
				continue
			}
			var k, at int64
			fmt.Sscanf(sc.Text(), "%d %d", &k, &at)
			c.times <- [2]int64{k, at}
		}
	}()
	b.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	select {
	case <-c.ready:
	case <-time.After(5 * time.Minute):
		b.Fatalf("%d sockets on %s were not open within 5 minutes", n, url)
	}
	return c
}

// pressAndTime sends b.N gotos on the presenter's socket and reports the
// time to the last socket of every client process, p50 and p99.
func pressAndTime(b *testing.B, presenterAddr, key string, clients []*clientProc) {
	b.Helper()
	ctx := context.Background()
	ps, _, err := protocol.Dial(ctx, "ws://"+presenterAddr+"/ws/presenter?key="+key, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ps.CloseNow()
	go func() {
		for {
			if _, _, err := ps.Read(ctx); err != nil {
				return
			}
		}
	}()
	var took []time.Duration
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		start := time.Now()
		if err := ps.Write(ctx, protocol.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, 1+i%2)); err != nil {
			b.Fatal(err)
		}
		var last int64
		for _, c := range clients {
			select {
			case t := <-c.times:
				if t[0] != int64(i) {
					b.Fatalf("press %d: a client process reported change %d", i, t[0])
				}
				last = max(last, t[1])
			case <-time.After(time.Minute):
				b.Fatalf("press %d: not every socket had it within a minute", i)
			}
		}
		took = append(took, time.Duration(last-start.UnixNano()))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkRelayProcesses(b *testing.B) {
	natsBin, err := exec.LookPath("nats-server")
	if err != nil {
		natsBin = "/opt/nats/nats-server"
		if _, err := os.Stat(natsBin); err != nil {
			b.Skip("nats-server is not installed")
		}
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "wiretalk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	deck := filepath.Join(dir, "talk.md")
	os.WriteFile(deck, []byte(relayDeck), 0o644)
	const key = "bench-presenter-key"
	n := *relayN
	maxConns := strconv.Itoa(n + 100)
	run := func(b *testing.B, args ...string) {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	}
	listening := func(b *testing.B, addr string) {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return
			}
			if time.Now().After(deadline) {
				b.Fatalf("nothing listens on %s", addr)
			}
		}
	}
	free := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		return ln.Addr().String()
	}

	b.Run(fmt.Sprintf("one-server-%d", n), func(b *testing.B) {
		addr := free()
		run(b, "serve", "-addr", addr, "-no-state", "-key", key, "-max-conns", maxConns, deck)
		listening(b, addr)
		c := startClients(b, "ws://"+addr+"/ws", n)
		pressAndTime(b, addr, key, []*clientProc{c})
	})
	b.Run(fmt.Sprintf("relay-2x%d", n), func(b *testing.B) {
		natsAddr := free()
		host, port, _ := net.SplitHostPort(natsAddr)
		cmd := exec.Command(natsBin, "-a", host, "-p", port, "-js", "-sd", b.TempDir())
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		listening(b, natsAddr)
		paddr := free()
		run(b, "serve", "-addr", paddr, "-no-state", "-key", key, "-relay", "nats://"+natsAddr, "-talk", "bench", deck)
		listening(b, paddr)
		var clients []*clientProc
		for i := range 2 {
			eaddr := free()
			run(b, "edge", "-addr", eaddr, "-name", fmt.Sprintf("edge-%d", i+1), "-max-conns", maxConns, "-relay", "nats://"+natsAddr, "-talk", "bench")
			listening(b, eaddr)
			clients = append(clients, startClients(b, "ws://"+eaddr+"/ws", n))
		}
		pressAndTime(b, paddr, key, clients)
	})
}
