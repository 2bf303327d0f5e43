package relay

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Edges report their audience on core NATS, not JetStream: a count is
// worth nothing once a newer one exists, and an edge that stops reporting
// (it died) drops out of the sum after countExpiry.
const (
	countEvery  = time.Second // an edge reports at least this often
	countCheck  = 250 * time.Millisecond
	countExpiry = 4 * countEvery
)

// countRecord is one edge's report.
type countRecord struct {
	header
	Edge  string    `json:"edge"`
	Count int       `json:"count"`
	RTTs  []float64 `json:"rtts,omitempty"` // its phones' round trips in ms, while the room's heartbeat is on
}

// audience adds up the edges' reports on the presenter's side.
type audience struct {
	sub *nats.Subscription

	mu    sync.Mutex
	edges map[string]heard
}

type heard struct {
	count int
	rtts  []float64
	at    time.Time
}

func listenCounts(nc *nats.Conn, o *Options, want header) (*audience, error) {
	a := &audience{edges: map[string]heard{}}
	sub, err := nc.Subscribe(countsSubject(o.Talk), func(m *nats.Msg) {
		var r countRecord
		if err := decode("audience", m.Data, want, &r); err != nil {
			o.Logf("relay: an edge's audience report refused: %v", err)
			return
		}
		a.mu.Lock()
		a.edges[r.Edge] = heard{count: r.Count, rtts: r.RTTs, at: time.Now()}
		a.mu.Unlock()
	})
	if err != nil {
		return nil, err
	}
	a.sub = sub
	return a, nil
}

// current returns the counts heard recently, by edge.
func (a *audience) current() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	out := map[string]int{}
	for name, h := range a.edges {
		if now.Sub(h.at) > countExpiry {
			delete(a.edges, name)
			continue
		}
		out[name] = h.count
	}
	return out
}

// roundTrips returns the round trips the edges heard from recently
// reported, for the room's heartbeat.
func (a *audience) roundTrips() []float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []float64
	now := time.Now()
	for _, h := range a.edges {
		if now.Sub(h.at) <= countExpiry {
			out = append(out, h.rtts...)
		}
	}
	return out
}

func (a *audience) close() { a.sub.Unsubscribe() }

// reportCounts publishes count() as edge's audience whenever it changes
// (checked four times a second) and at least every second, with rtts()
// (nil when the heartbeat is off), until stop closes.
func reportCounts(nc *nats.Conn, o *Options, hdr header, edge string, count func() int, rtts func() []float64, stop <-chan struct{}) {
	tick := time.NewTicker(countCheck)
	defer tick.Stop()
	last, lastAt := -1, time.Time{}
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		n := count()
		if n == last && time.Since(lastAt) < countEvery {
			continue
		}
		if !nc.IsConnected() {
			continue // nats.go would buffer it; a stale count is worth nothing
		}
		b, _ := json.Marshal(countRecord{header: hdr, Edge: edge, Count: n, RTTs: rtts()})
		if nc.Publish(countSubject(o.Talk, edge), b) == nil {
			last, lastAt = n, time.Now()
		}
	}
}

func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
