package relay

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"wiretalk/protocol"
	"wiretalk/server"
)

// The relay's benchmarks (docs/BENCHMARKS.md, "The relay"). Run with
//
//	go test -run '^$' -bench . -benchtime 200x ./relay/ -relay.sockets 4000
//
// Each process may hold 20,000 descriptors on the machine they were first
// run on, and a socket in-process is two (its client and its server end):
// 2 × 4,000 sockets on two edges plus the broker fit, 2 × 10,000 do not.
var benchSockets = flag.Int("relay.sockets", 1000, "audience sockets per server in the relay benchmarks")

// press is one key press being timed: it ends when every socket has
// received the step it moved to.
type press struct {
	id      int64
	target  int
	want    int64
	arrived atomic.Int64
	start   time.Time
	end     time.Time
	done    chan struct{}
}

// audienceOf opens n audience sockets on base, each read by a goroutine
// that counts its arrival at cur's step.
func audienceOf(b *testing.B, base string, n int, cur *atomic.Pointer[press]) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range n {
		c, _, err := protocol.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.CloseNow() })
		go func() {
			var last int64 = -1
			for {
				_, msg, err := c.Read(context.Background())
				if err != nil {
					return
				}
				p := cur.Load()
				if p == nil || p.id == last {
					continue
				}
				var m struct {
					Type  string `json:"type"`
					Index int    `json:"index"`
				}
				if json.Unmarshal(msg, &m) != nil || m.Type != "state" || m.Index != p.target {
					continue
				}
				last = p.id
				if p.arrived.Add(1) == p.want {
					p.end = time.Now()
					close(p.done)
				}
			}
		}()
	}
}

// timePresses presses b.N keys (steps 1 and 2 in turn) and reports the
// time from each press to the last socket's arrival: p50 and p99.
func timePresses(b *testing.B, goTo func(int), sockets int, cur *atomic.Pointer[press]) {
	b.Helper()
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := &press{id: int64(i), target: 1 + i%2, want: int64(sockets), done: make(chan struct{})}
		cur.Store(p)
		p.start = time.Now()
		goTo(p.target)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			b.Fatalf("press %d: %d of %d sockets arrived within 30 s", i, p.arrived.Load(), sockets)
		}
		took = append(took, p.end.Sub(p.start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkKeyPressToLastPhone: one server holding n sockets, against a
// presenter and two edges holding n each, through an embedded broker.
func BenchmarkKeyPressToLastPhone(b *testing.B) {
	n := *benchSockets
	b.Run(fmt.Sprintf("one-server-%d", n), func(b *testing.B) {
		srv := benchPresenterServer(b)
		hs := httptest.NewServer(srv.Handler())
		defer hs.Close()
		var cur atomic.Pointer[press]
		audienceOf(b, hs.URL, n, &cur)
		timePresses(b, srv.Goto, n, &cur)
	})
	// One edge isolates what the relay's hop adds; two share this
	// process's CPUs with twice the sockets.
	for _, edges := range []int{1, 2} {
		b.Run(fmt.Sprintf("relay-%dx%d", edges, n), func(b *testing.B) {
			bk := startBroker(b)
			o := Options{URL: bk.url(), Talk: "bench"}
			srv := benchPresenterServer(b)
			p, err := Publish(context.Background(), o, srv)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			var cur atomic.Pointer[press]
			for i := range edges {
				e := benchEdge(b, o, fmt.Sprintf("edge-%d", i+1))
				audienceOf(b, e, n, &cur)
			}
			timePresses(b, srv.Goto, edges*n, &cur)
		})
	}
}

// BenchmarkLateEdge: from an edge's start to its serving the current
// slide (the first whole state in hand), with the talk already published.
func BenchmarkLateEdge(b *testing.B) {
	bk := startBroker(b)
	o := Options{URL: bk.url(), Talk: "late"}
	srv := benchPresenterServer(b)
	p, err := Publish(context.Background(), o, srv)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	srv.Goto(2)
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		e, err := Follow(context.Background(), o, "late")
		if err != nil {
			b.Fatal(err)
		}
		st, err := e.Ready(context.Background())
		if err != nil || st.Index != 2 {
			b.Fatalf("late edge: %+v, %v", st.Index, err)
		}
		took = append(took, time.Since(start))
		e.Close()
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkReloadBytesPerEdge: what one edge receives from the broker for
// a deck reload that changes one 256 KiB image of two, and for one that
// changes only the text.
func BenchmarkReloadBytesPerEdge(b *testing.B) {
	bk := startBroker(b)
	o := Options{URL: bk.url(), Talk: "bytes"}
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, "img"), 0o755)
	big := make([]byte, 256<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	os.WriteFile(filepath.Join(dir, "img", "pic.png"), big, 0o644)
	os.WriteFile(filepath.Join(dir, "img", "other.png"), big[:128<<10], 0o644)
	deck := testDeck + "\n---\n\n![other](img/other.png)\n"
	os.WriteFile(filepath.Join(dir, "talk.md"), []byte(deck), 0o644)
	srv, err := server.New(server.Config{Deck: filepath.Join(dir, "talk.md"), Key: testKey, NoState: true})
	if err != nil {
		b.Fatal(err)
	}
	p, err := Publish(context.Background(), o, srv)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	e, err := Follow(context.Background(), o, "e")
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Ready(context.Background()); err != nil {
		b.Fatal(err)
	}
	measure := func(edit func(i int)) float64 {
		var total uint64
		for i := 0; i < b.N; i++ {
			before := e.nc.Stats().InBytes
			edit(i)
			srv.Reload()
			want := srv.State().Deck.Version
			deadline := time.Now().Add(10 * time.Second)
			for {
				st, _ := e.Ready(context.Background())
				if st.Deck.Version == want {
					break
				}
				if time.Now().After(deadline) {
					b.Fatal("the edge did not get the new version")
				}
				time.Sleep(time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond) // the rest of the acks and records
			total += e.nc.Stats().InBytes - before
		}
		return float64(total) / float64(b.N)
	}
	image := measure(func(i int) {
		big[0] = byte(i)
		os.WriteFile(filepath.Join(dir, "img", "pic.png"), big, 0o644)
	})
	text := measure(func(i int) {
		os.WriteFile(filepath.Join(dir, "talk.md"), []byte(deck+fmt.Sprintf("\nedit %d\n", i)), 0o644)
	})
	b.ReportMetric(image, "bytes/image-reload")
	b.ReportMetric(text, "bytes/text-reload")
	b.ReportMetric(float64(len(srv.State().Deck.JSON)), "deck-json-bytes")
	b.ReportMetric(0, "ns/op")
}

func benchPresenterServer(b *testing.B) *server.Server {
	b.Helper()
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, "img"), 0o755)
	os.WriteFile(filepath.Join(dir, "img", "pic.png"), []byte("\x89PNG"), 0o644)
	os.WriteFile(filepath.Join(dir, "talk.md"), []byte(testDeck), 0o644)
	srv, err := server.New(server.Config{Deck: filepath.Join(dir, "talk.md"), Key: testKey, NoState: true, MaxConns: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv
}

func benchEdge(b *testing.B, o Options, name string) string {
	b.Helper()
	e, err := Follow(context.Background(), o, name)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(e.Close)
	st, err := e.Ready(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.NewEdge(server.Config{MaxConns: 1 << 20}, e, st)
	if err != nil {
		b.Fatal(err)
	}
	e.Serve(srv)
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(hs.Close)
	return hs.URL
}
