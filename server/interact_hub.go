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
