package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wiretalk/protocol"
)

// The client processes of BenchmarkRelayProcesses (cmd_edge_bench_test.go):
// the sockets that stand for phones.

// benchClients is a client process: "URL N" opens N audience sockets on
// URL, prints "ready", then "K FIRST LAST" once all N have received their
// K-th change of step (FIRST and LAST: when the first and the last socket
// had it, in Unix nanoseconds), until stdin closes.
func benchClients(spec string) int {
	url, ns, _ := strings.Cut(spec, " ")
	n, _ := strconv.Atoi(ns)
	var (
		mu      sync.Mutex
		arrived = map[int]int{}
		first   = map[int]int64{}
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
			buf := make([]byte, 256)
			for {
				index, ok, err := readState(c, buf)
				if err != nil {
					return
				}
				if !ok {
					continue
				}
				if last == -1 {
					last = index
					joined.Add(1)
					continue
				}
				if index == last {
					continue
				}
				last = index
				changes++
				now := time.Now().UnixNano()
				mu.Lock()
				arrived[changes]++
				if arrived[changes] == 1 {
					first[changes] = now
				}
				all := arrived[changes] == n
				firstAt := first[changes]
				mu.Unlock()
				if all {
					say("%d %d %d", changes, firstAt, now)
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

// readState reads the next message into buf and, if it is a state message
// (server/live.go: {"type":"state","deck":…,"index":N,…}), returns its
// index. It allocates nothing: a client process that allocated for every
// message (Read's copy, encoding/json) collected garbage for 30 to 50 ms
// during a third of the presses, on the CPU it shares with the server it
// stands beside, and the benchmark timed that instead of the servers.
func readState(c *protocol.Conn, buf []byte) (index int, ok bool, err error) {
	_, r, err := c.Reader(context.Background())
	if err != nil {
		return 0, false, err
	}
	n := 0
	for {
		if n == len(buf) {
			return 0, false, nil // longer than a state: the next Reader skips the rest
		}
		k, err := r.Read(buf[n:])
		n += k
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, false, err
		}
	}
	msg := buf[:n]
	if !bytes.HasPrefix(msg, []byte(`{"type":"state",`)) {
		return 0, false, nil
	}
	at := bytes.Index(msg, []byte(`"index":`))
	if at < 0 {
		return 0, false, nil
	}
	for _, d := range msg[at+len(`"index":`):] {
		if d < '0' || d > '9' {
			break
		}
		index = index*10 + int(d-'0')
		ok = true
	}
	return index, ok, nil
}

// clientProc is a running client process and the times it reports.
type clientProc struct {
	cmd   *exec.Cmd
	stdin interface{ Close() error }
	times chan arrival
	ready chan struct{}
}

// arrival is what a client process reports for one change of step.
type arrival struct{ k, first, last int64 }

func startClients(b *testing.B, cpu, url string, n int) *clientProc {
	b.Helper()
	cmd := pinned(cpu, os.Args[0])
	cmd.Env = append(os.Environ(), "WIRETALK_BENCH_CLIENTS="+url+" "+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &clientProc{cmd: cmd, stdin: stdin, times: make(chan arrival, 1024), ready: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(c.ready)
				continue
			}
			var a arrival
			fmt.Sscanf(sc.Text(), "%d %d %d", &a.k, &a.first, &a.last)
			c.times <- a
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

// TestReadStateAllocatesNothing: the client processes' reader finds a
// state's index, passes over other messages, and allocates nothing a
// message (which is why it exists: see readState).
func TestReadStateAllocatesNothing(t *testing.T) {
	const state = `{"type":"state","deck":"v1","index":17,"blackout":false}`
	done, wrote := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := protocol.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		c.Write(ctx, protocol.OpText, []byte(`{"type":"hello","index":3}`))
		c.Write(ctx, protocol.OpText, []byte(`{"type":"state","deck":"v1","index":"x"}`))
		for range 300 {
			if c.Write(ctx, protocol.OpText, []byte(state)) != nil {
				return
			}
		}
		close(wrote) // 18 KB: in the socket's buffers
		<-done
	}))
	defer srv.Close()
	defer close(done)
	c, _, err := protocol.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	buf := make([]byte, 256)
	for i, what := range []string{"a hello", "a state without a number"} {
		if index, ok, err := readState(c, buf); err != nil || ok {
			t.Fatalf("message %d, %s: readState = %d, %v, %v; want not a state", i+1, what, index, ok, err)
		}
	}
	// AllocsPerRun counts the whole process's allocations: the server's
	// writes (a []byte conversion each) must be over.
	select {
	case <-wrote:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not write 300 messages within 30 s")
	}
	allocs := testing.AllocsPerRun(200, func() {
		if index, ok, err := readState(c, buf); err != nil || !ok || index != 17 {
			t.Fatalf("readState = %d, %v, %v; want 17", index, ok, err)
		}
	})
	if allocs != 0 {
		t.Errorf("readState allocates %.1f times a message, want 0", allocs)
	}
}
