package server

import (
	"cmp"
	"slices"

	"wiretalk/protocol"
)

// RelayStatus is what the presenter's page shows of a relay that carries
// the talk to edges on other machines (see TalkState): whether the broker
// holds the talk's current state, and the audience of each edge.
type RelayStatus struct {
	Talk    string         // the talk's name on the broker
	Healthy bool           // the broker is reachable and holds the talk's current state
	Problem string         // why not, when not healthy
	Edges   map[string]int // audience count per edge heard from lately, by edge name
}

// relayMsg is RelayStatus on the presenter's socket (docs/messages.md).
type (
	relayMsg struct {
		Type    string      `json:"type"` // "relay"
		Talk    string      `json:"talk"`
		Healthy bool        `json:"healthy"`
		Problem string      `json:"problem"`
		Edges   []edgeCount `json:"edges"`
	}
	edgeCount struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
)

// SetRelayStatus shows st on every presenter page, and on those that open
// later; a status equal to the last one sends nothing. The page adds the
// edges' audience to this server's own.
func (s *Server) SetRelayStatus(st RelayStatus) {
	m := relayMsg{Type: "relay", Talk: st.Talk, Healthy: st.Healthy, Problem: st.Problem, Edges: []edgeCount{}}
	for name, n := range st.Edges {
		m.Edges = append(m.Edges, edgeCount{Name: name, Count: n})
	}
	slices.SortFunc(m.Edges, func(a, b edgeCount) int { return cmp.Compare(a.Name, b.Name) })
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.relay != nil && s.relay.Talk == m.Talk && s.relay.Healthy == m.Healthy && s.relay.Problem == m.Problem && slices.Equal(s.relay.Edges, m.Edges) {
		return
	}
	s.relay = &m
	s.relayFrame = jsonMessage(m)
	s.hub.broadcast(kindRelay, s.relayFrame)
}

// relayFrameLocked is the last relay status for a presenter that joins,
// or nil without a relay. Call with s.mu held.
func (s *Server) relayFrameLocked() *protocol.Prepared { return s.relayFrame }
