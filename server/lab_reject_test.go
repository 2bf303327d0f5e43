package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"wiretalk/protocol"
)

// The inspector lab's commands break the protocol on purpose, and only on
// the asking viewer's specimen. The presenter's socket ignores them and
// stays valid (our own client, which fails on any invalid frame, keeps
// reading good frames after them); an audience socket that sends one is
// closed cleanly with 1008, never with an invalid frame.
func TestLabCommandsDoNothingOnTheTalkSockets(t *testing.T) {
	ts := newTestServer(t, testDeck)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	next(t, p, "state")
	ctx := context.Background()
	for _, rule := range []string{"masked", "rsv1", "op3", "badutf8", "close1005"} {
		if err := p.Write(ctx, protocol.OpText, []byte(`{"type":"lab","rule":"`+rule+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	p.Write(ctx, protocol.OpText, []byte(`{"type":"goto","index":1}`))
	if m := next(t, p, "state"); m.Index != 1 {
		t.Errorf("presenter after lab commands: state %d, want 1", m.Index)
	}

	a := ts.dial(t, "/ws", nil)
	next(t, a, "state")
	a.Write(ctx, protocol.OpText, []byte(`{"type":"lab","rule":"masked"}`))
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		_, _, err := a.Read(rctx)
		if err == nil {
			continue
		}
		var ce *protocol.CloseError
		if !errors.As(err, &ce) || ce.Code != protocol.StatusPolicyViolation {
			t.Fatalf("audience socket after a lab command: %v, want a clean close 1008", err)
		}
		break
	}
}
