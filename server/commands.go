package server

import (
	"encoding/json"
	"math"
	"time"
)

// commandMsg is a presenter's command (docs/messages.md).
type commandMsg struct {
	Type    string  `json:"type"`    // "goto", "blackout", "reset" or "length"
	Index   *int    `json:"index"`   // goto: the step to show
	From    *int    `json:"from"`    // goto: the step it was issued from, if a relative move (Next, Previous)
	On      bool    `json:"on"`      // blackout
	Minutes float64 `json:"minutes"` // length: the talk's length; 0 clears it
}

// command applies one presenter command. Several presenter devices (the
// laptop and the phone) may send at once; each command is applied whole,
// under s.mu, in the order the server reads them.
func (s *Server) command(msg []byte) {
	if s.roomCommand(msg) {
		return
	}
	var cmd commandMsg
	if err := json.Unmarshal(msg, &cmd); err != nil {
		s.logf("presenter sent bad JSON: %v", err)
		return
	}
	switch cmd.Type {
	case "goto":
		if cmd.Index != nil {
			s.gotoFrom(*cmd.Index, cmd.From)
		}
	case "blackout":
		s.mu.Lock()
		p := s.pos
		p.Blackout = cmd.On
		s.moveLocked(p)
		s.mu.Unlock()
	case "reset":
		s.mu.Lock()
		s.timer.start = time.Time{}
		s.timerChangedLocked()
		s.mu.Unlock()
	case "length":
		m := cmd.Minutes
		if math.IsNaN(m) || m < 0 || time.Duration(m*float64(time.Minute)) > maxLength {
			s.logf("presenter sent a talk length of %v minutes; ignored", m)
			return
		}
		s.mu.Lock()
		s.timer.length = time.Duration(m * float64(time.Minute)).Round(time.Second)
		s.timerChangedLocked()
		s.mu.Unlock()
	default:
		s.logf("presenter sent unknown command %q", cmd.Type)
	}
}

// Goto moves the talk to step index, as the presenter's page does. An
// index outside the deck is ignored.
func (s *Server) Goto(index int) { s.gotoFrom(index, nil) }

// gotoFrom moves the talk to step index. A relative move (Next, Previous)
// says which step it was issued from; when the talk is no longer there,
// another device moved it first and the command is stale: it is dropped,
// so that Next pressed on two devices at the same moment moves the talk
// once (slidev#2611). The first move starts the talk's timer.
func (s *Server) gotoFrom(index int, from *int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if index < 0 || index >= len(s.view.deck.Slides) {
		return
	}
	if from != nil && *from != s.pos.Index {
		s.logf("dropped a stale move from step %d to %d: the talk is on %d already", *from, index, s.pos.Index)
		return
	}
	moved := index != s.pos.Index
	s.moveLocked(at(s.view, index, s.pos.Blackout))
	if moved && s.timer.start.IsZero() {
		s.timer.start = time.Now()
		s.timerChangedLocked()
	}
}

// timerChangedLocked tells every presenter device the timer. Call with
// s.mu held.
func (s *Server) timerChangedLocked() {
	s.hub.broadcast(kindTimer, s.timer.message(time.Now()))
}
