package demo

import (
	"time"

	"wiretalk/protocol"
)

// ObserveTCP shows how a specimen's TCP connection ended, as a notice:
// the server closing its half first (RFC 6455 §7.1.1), then the browser
// closing its own, so that "the server closes first" can be seen.
func (o *observer) ObserveTCP(e protocol.TCPEvent, at time.Time) {
	var text string
	switch e {
	case protocol.TCPFinSent:
		text = "The server closed its half of TCP (sent its FIN) first, as RFC 6455 §7.1.1 asks: the TIME_WAIT state stays on the server."
	case protocol.TCPFinReceived:
		text = "The browser closed its half of TCP (its FIN arrived)."
	default:
		return
	}
	rec := notice("info", "tcp", text)
	rec.Conn = o.conn
	rec.Time = at.Format(time.RFC3339Nano)
	rec.Ms = msSince(at, o.feed.start)
	o.feed.publish(rec)
}

// The specimen's observer is told how TCP ended.
var _ protocol.TCPObserver = (*observer)(nil)
