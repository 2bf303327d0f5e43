package demo

import (
	"context"
	"time"

	"wiretalk/protocol"
)

// A simultaneous close, live (RFC 6455 §7.1.3, §5.5.1): the page sends
// {"type":"lab","rule":"simclose"} on the feed and, once the feed's
// notice says the server is ready, sends one message on its specimen and
// calls ws.close() in the same breath. The specimen answers that message
// with its own close frame, simClosePause later and without reading on,
// so its close goes out before it has read the browser's: both sides
// close, neither answers. The server's side of it is certain. The
// browser's is not: Chromium may write the close its page asked for only
// after the message, and the pause gives it the time to, so that the
// server's close does not arrive first and get answered (then the
// browser's close echoes the server's reason, and the page says so).

// simCloseFrame is the server's close: 1000 with a reason, so that it
// can be told apart from the browser's in the page.
func simCloseFrame() []byte {
	p := protocol.AppendClosePayload(nil, protocol.StatusNormalClosure, simCloseReason)
	return append([]byte{0x88, byte(len(p))}, p...)
}

const simCloseReason = "the server closes too"

// simClosePause is how long the server waits, not reading, between the
// page's message and its close.
const simClosePause = 100 * time.Millisecond

// armSimultaneousClose makes the feed's live specimen spec, number n,
// answer its next message with a close frame. Only spec: a specimen
// connected later (the page reconnected before sending) is not armed.
func (f *feed) armSimultaneousClose(n int, r LabRule, spec *protocol.Conn) {
	f.lab.closeNext.Store(spec)
	f.notice(n, "info", "lab", "Lab: "+r.Title+". The server closes on your next message, before it reads on.")
}

// closeAtOnce is called by the specimen's echo loop after each message
// it reads on c. If a simultaneous close is armed, it sends the server's
// close frame now, in place of the echo, and reports true: the loop then
// reads on, and the browser's close, already on its way, ends the
// connection without an answer (§5.5.1: an endpoint that has sent a
// close does not answer the peer's).
func (f *feed) closeAtOnce(ctx context.Context, c *protocol.Conn) bool {
	if !f.lab.closeNext.CompareAndSwap(c, nil) {
		return false
	}
	f.mu.Lock()
	lab := f.labs[c] // set before the echo loop runs, reset after it ends
	f.mu.Unlock()
	select {
	case <-time.After(simClosePause):
	case <-ctx.Done():
		return true
	}
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	// A valid close frame, through the specimen's Lab: Conn.Close would
	// wait for the peer's answer, and this loop is the one that reads it.
	if err := lab.Send(wctx, simCloseFrame()); err != nil && f.ctx.Err() == nil {
		f.notice(0, "warn", "command", "The lab could not send its close: "+err.Error())
	}
	return true
}
