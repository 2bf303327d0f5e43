package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"wiretalk/protocol"
	"wiretalk/server"
)

// BenchmarkEdgeVotes: n phones on each of two edges vote once each (every
// one a device of its own); the time from the last vote written to the
// presenter's page holding the final count, and how many polls messages
// it took. Each round starts with the presenter's reset. Run with
//
//	go test -run '^$' -bench EdgeVotes -benchtime 10x ./relay/ -relay.sockets 2000
func BenchmarkEdgeVotes(b *testing.B) {
	n := *benchSockets
	bk := startBroker(b)
	o := Options{URL: bk.url(), Talk: "votes"}
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "talk.md"), []byte(roomDeck), 0o644)
	srv, err := server.New(server.Config{Deck: filepath.Join(dir, "talk.md"), Key: testKey, NoState: true, MaxConns: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Shutdown(context.Background()) })
	p, err := Publish(context.Background(), o, srv)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var phones []*protocol.Conn
	for e := range 2 {
		base := benchEdge(b, o, fmt.Sprintf("edge-%d", e+1))
		for i := range n {
			h := http.Header{"Cookie": {fmt.Sprintf("wiretalk_device=%08x%024x", e, i)}}
			c, _, err := protocol.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", &protocol.DialOptions{Header: h})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.CloseNow() })
			go func() { // phones read and drop what they are sent
				for {
					if _, _, err := c.Read(context.Background()); err != nil {
						return
					}
				}
			}()
			phones = append(phones, c)
		}
	}
	desk, _, err := protocol.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws/presenter?key="+testKey, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer desk.CloseNow()
	voters := make(chan int, 1024)
	go func() {
		for {
			_, msg, err := desk.Read(context.Background())
			if err != nil {
				close(voters)
				return
			}
			var m struct {
				Type  string `json:"type"`
				Polls []struct {
					Voters int `json:"voters"`
				} `json:"polls"`
			}
			if json.Unmarshal(msg, &m) == nil && m.Type == "polls" && len(m.Polls) > 0 {
				voters <- m.Polls[0].Voters
			}
		}
	}()
	waitVoters := func(want int) (messages int) {
		deadline := time.After(30 * time.Second)
		for {
			select {
			case v := <-voters:
				messages++
				if v == want {
					return messages
				}
			case <-deadline:
				b.Fatalf("the presenter never counted %d voters", want)
			}
		}
	}
	var took []time.Duration
	var msgs []int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		desk.Write(ctx, protocol.OpText, []byte(`{"type":"poll","poll":"name:opcodes","action":"reset"}`))
		waitVoters(0)
		for j, c := range phones {
			c.Write(ctx, protocol.OpText, []byte(fmt.Sprintf(`{"type":"vote","poll":"name:opcodes","option":%d}`, (i+j)%3)))
		}
		last := time.Now()
		msgs = append(msgs, waitVoters(len(phones)))
		took = append(took, time.Since(last))
	}
	b.StopTimer()
	slices.Sort(took)
	slices.Sort(msgs)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "final-after-last-vote-p50-ms")
	b.ReportMetric(float64(msgs[len(msgs)/2]), "polls-msgs-per-round")
	b.ReportMetric(0, "ns/op")
}
