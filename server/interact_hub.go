package server

import "wiretalk/protocol"

// broadcastRoles sends presenters p and audience pages a, as kind k,
// latest-wins like every broadcast. A nil message skips its pages; with
// projectorsOnly, a goes only to the audience pages that show the room
// (?projector), not to phones. It never blocks on a socket.
func (h *hub) broadcastRoles(k kind, p, a *protocol.Prepared, projectorsOnly bool) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	ready := make([]*client, 0, len(h.clients))
	for _, c := range h.clients {
		m := a
		if c.presenter {
			m = p
		} else if projectorsOnly && !c.projector {
			m = nil
		}
		if m != nil && c.offer(k, m) {
			ready = append(ready, c)
		}
	}
	h.mu.Unlock()
	h.write(ready)
}

// setProjector marks c as a page that shows the room (reactions), as a
// page opened with /?projector says once its room module runs.
func (h *hub) setProjector(c *client) {
	h.mu.Lock()
	c.projector = true
	h.mu.Unlock()
}
