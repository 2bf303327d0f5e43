package demo

import (
	"fmt"
	"net/http"

	"wiretalk/protocol"
)

// Reconnecting with backoff, live (RFC 6455 §7.2.3): the page sends
// {"type":"lab","rule":"backoff"}; the server drops the lab's specimen,
// as a restarting server would, and refuses the feed's next
// labRefusals specimen connections with 503. The page reconnects on its
// own after a random first delay, doubling it each time
// (assets/lab-closing.js), and shows the delays it chose.

// labRefusals is how many connections a "backoff" command refuses.
const labRefusals = 3

// restartForBackoff drops spec, the feed's live specimen number n, and
// arms the refusals of the feed's next connections.
func (f *feed) restartForBackoff(n int, r LabRule, spec *protocol.Conn) {
	f.lab.refuse.Store(labRefusals)
	f.notice(n, "info", "lab", fmt.Sprintf("Lab: %s. The server drops your connection and refuses the next %d.", r.Title, labRefusals))
	spec.CloseNow()
}

// refuseForLab answers a specimen request with 503 when a "backoff"
// command has armed refusals, and reports whether it did. The strict
// origin variant is never refused: it is another control's.
func (f *feed) refuseForLab(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Query().Get("origin") != "" {
		return false
	}
	var left int32
	for {
		left = f.lab.refuse.Load()
		if left <= 0 {
			return false
		}
		if f.lab.refuse.CompareAndSwap(left, left-1) {
			break
		}
	}
	k := labRefusals - left + 1 // this attempt's number
	// The notice first: the page reads it before its next attempt.
	f.notice(0, "warn", "refused", fmt.Sprintf("Lab: the server refused connection attempt %d of %d with 503 Service Unavailable, as a restarting server would.", k, labRefusals))
	http.Error(w, "the server is restarting: try again later", http.StatusServiceUnavailable)
	return true
}
