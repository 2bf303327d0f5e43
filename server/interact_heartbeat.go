package server

import (
	"slices"
	"time"
)

// The room's heartbeat: a histogram of every phone's round-trip time (on
// the edges too, which a relay reports: RoomRelay.RoundTrips),
// measured by the protocol's heartbeat from each ping to its pong
// (protocol.Conn.RTT), for the slides with ![:heartbeat](). It is sent
// once per ping interval, only while the deck has such a slide: a phone's
// round trip changes only when a ping comes back, so the histogram costs
// the server one frame per phone per interval, as many as its pings.

// heartbeatBuckets are the histogram's upper bounds, in milliseconds; the
// last bucket takes everything slower.
func heartbeatBuckets() []int { return []int{5, 10, 20, 50, 100, 200, 500, 1000} }

// heartbeatMsg is the histogram as the pages receive it.
type heartbeatMsg struct {
	Type    string  `json:"type"`   // "heartbeat"
	Phones  int     `json:"phones"` // phones with a measured round trip
	Bounds  []int   `json:"bounds"` // bucket i counts round trips ≤ bounds[i] ms (and above the one before); the last bucket, the rest
	Counts  []int   `json:"counts"` // len(bounds)+1
	Median  float64 `json:"median"` // ms
	Slowest float64 `json:"slowest"`
}

// histogram builds the message from round trips in milliseconds.
func histogram(rtts []float64) heartbeatMsg {
	bounds := heartbeatBuckets()
	m := heartbeatMsg{Type: "heartbeat", Phones: len(rtts), Bounds: bounds, Counts: make([]int, len(bounds)+1)}
	if len(rtts) == 0 {
		return m
	}
	slices.Sort(rtts)
	for _, r := range rtts {
		i, _ := slices.BinarySearchFunc(bounds, r, func(b int, r float64) int {
			if float64(b) < r {
				return -1
			}
			return 1
		})
		m.Counts[i]++
	}
	n := len(rtts)
	if n%2 == 1 {
		m.Median = rtts[n/2]
	} else {
		m.Median = (rtts[n/2-1] + rtts[n/2]) / 2
	}
	m.Slowest = rtts[n-1]
	return m
}

// roundTrips returns the round trip of every audience page that is not
// a projector and has answered a ping, in milliseconds.
func (h *hub) roundTrips() []float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]float64, 0, h.audience)
	for _, c := range h.clients {
		if c.presenter || c.projector {
			continue
		}
		if rtt := c.conn.RTT(); rtt > 0 {
			out = append(out, float64(rtt.Microseconds())/1000)
		}
	}
	return out
}

// heartbeatEvery is how often the histogram goes out: the ping interval,
// but at least a second.
func (s *Server) heartbeatEvery() time.Duration { return max(s.cfg.PingInterval, time.Second) }

// sendHeartbeat sends the histogram to every page if the deck has a
// heartbeat slide, and re-arms itself until the server shuts down.
func (s *Server) sendHeartbeat() {
	defer guard(s.logf, "the room's heartbeat", nil)
	s.mu.Lock()
	if s.heartbeatStop {
		s.mu.Unlock()
		return
	}
	s.heartbeatTimer.Reset(s.heartbeatEvery())
	uses := false
	for _, sl := range s.view.deck.Slides {
		uses = uses || slices.Contains(sl.Macros, "heartbeat")
	}
	s.mu.Unlock()
	if !uses {
		return
	}
	m := jsonMessage(histogram(append(s.hub.roundTrips(), s.edgeRoundTrips()...)))
	s.hub.broadcastRoles(kindHeartbeat, m, m, m)
	s.relayAggregate(RoomHeartbeat, m)
}
