package server

import "wiretalk/protocol"

// broadcastRoles sends, as kind k, p to presenters, r to projectors (the
// audience pages that show the room: /?projector) and a to the other
// audience pages, the phones; a nil message skips its pages. Like every
// broadcast it is latest-wins per kind and never blocks on a socket.
//
// Presenters and projectors come first, on a path of their own: their
// mailboxes are filled and written here, in the caller, before a phone's
// mailbox is touched, so the presenter's counts never wait behind the
// audience's fan-out of ten thousand writes (a presenter whose socket
// cannot take the frame at once gets its own writer, as a phone does).
// Broadcasts of the room's kinds are serialized (fanMu), so a page's
// mailbox of a kind always ends on the newest message even though each
// one fills the mailboxes in two steps.
func (h *hub) broadcastRoles(k kind, p, r, a *protocol.Prepared) {
	h.fanMu.Lock()
	defer h.fanMu.Unlock()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	var first []*client
	if p != nil || r != nil {
		for _, c := range h.clients {
			m := r
			if c.presenter {
				m = p
			} else if !c.projector {
				continue
			}
			if m != nil && c.offer(k, m) {
				first = append(first, c)
			}
		}
	}
	h.mu.Unlock()
	for _, c := range first {
		c.flushNow()
	}
	if a == nil {
		return
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	ready := make([]*client, 0, h.audience)
	for _, c := range h.clients {
		if !c.presenter && !c.projector && c.offer(k, a) {
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

// joinDeviceLocked gives c its id and files it under its device, so that
// a vote from one tab reaches every tab of the same browser at once. Call
// with h.mu held.
func (h *hub) joinDeviceLocked(c *client) {
	h.lastID++
	c.id = h.lastID
	if c.device == "" {
		return
	}
	if h.devices == nil {
		h.devices = map[string][]*client{}
	}
	h.devices[c.device] = append(h.devices[c.device], c)
}

// leaveDeviceLocked forgets c under its device. Call with h.mu held.
func (h *hub) leaveDeviceLocked(c *client) {
	tabs := h.devices[c.device]
	for i, t := range tabs {
		if t == c {
			tabs[i] = tabs[len(tabs)-1]
			tabs[len(tabs)-1] = nil
			tabs = tabs[:len(tabs)-1]
			break
		}
	}
	if len(tabs) == 0 {
		delete(h.devices, c.device)
		return
	}
	h.devices[c.device] = tabs
}

// hasDevice reports whether device has a socket on this server.
func (h *hub) hasDevice(device string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.devices[device]) > 0
}

// toDevice sends m, as kind k, to every socket of device on this server;
// with socket not 0, to that one socket of it only. It never blocks.
func (h *hub) toDevice(device string, socket uint64, k kind, m *protocol.Prepared) {
	h.mu.Lock()
	var ready []*client
	for _, c := range h.devices[device] {
		if (socket == 0 || c.id == socket) && c.offer(k, m) {
			ready = append(ready, c)
		}
	}
	h.mu.Unlock()
	h.write(ready)
}
