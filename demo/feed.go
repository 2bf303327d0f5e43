package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"wiretalk/protocol"
)

// feed is one viewer's inspector socket: it streams the records of its
// specimen connection and takes the viewer's commands. Publishing never
// blocks the specimen: records wait in a bounded queue for the feed's own
// writer, and when a slow page lets the queue fill, the overflow is
// counted and reported in a notice instead.
type feed struct {
	ins       *Inspector
	id        string
	start     time.Time
	queue     chan Record
	dropped   atomic.Int64
	fragments atomic.Bool     // the specimen echoes in fragments
	lab       labState        // the lab's pending close and refusals (lab.go)
	tasks     sync.WaitGroup  // pings and closes in flight
	ctx       context.Context // ends with the feed
	cancel    context.CancelFunc
	tee       Tee // gets a copy of every record, or nil; set before any is published

	mu       sync.Mutex
	seq      int                              // the last record's Seq
	conns    int                              // specimen connections so far
	conn     *protocol.Conn                   // the feed socket, once accepted
	specimen *protocol.Conn                   // the live specimen, or nil
	specN    int                              // its number
	labs     map[*protocol.Conn]*protocol.Lab // each live specimen's raw writer (lab.go)
	pending  int                              // specimens in their opening handshake
	changed  chan struct{}                    // closed and replaced when specimen or pending change
	done     bool                             // no more specimens
}

// hello is the feed's first message.
type hello struct {
	Type       string  `json:"type"` // "feed"
	ID         string  `json:"id"`
	MaxMessage int64   `json:"maxMessage"`
	Rate       float64 `json:"rate"`
	Burst      int     `json:"burst"`
}

// command is a message from the page on the feed socket:
//
//	{"type":"ping","payload":"…"}               the server pings the specimen
//	{"type":"fragments","on":true}              the server echoes in fragments
//	{"type":"close","code":1000,"reason":"…"}   the server closes the specimen
type command struct {
	Type    string `json:"type"`
	Payload string `json:"payload"`
	On      bool   `json:"on"`
	Code    int    `json:"code"`
	Reason  string `json:"reason"`
	Rule    string `json:"rule"` // for "lab": which rule to break (lab.go)
}

// ServeFeed serves the inspector feed socket (GET /demo/feed). Its first
// message is {"type":"feed","id":ID,…}; then come the records of the
// specimen connection opened with that id, and it takes commands (see
// command). Closing the feed closes its specimen with 1001.
func (i *Inspector) ServeFeed(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &feed{ins: i, start: i.now(), queue: make(chan Record, feedQueue), ctx: ctx, cancel: cancel}
	defer cancel()
	if !i.register(f) {
		http.Error(w, "the inspector is full: try again later", http.StatusServiceUnavailable)
		return
	}
	defer i.unregister(f)
	if i.opts.Tee != nil {
		if f.tee = i.opts.Tee(r); f.tee != nil {
			defer f.tee.Close()
		}
	}

	c, err := protocol.Accept(w, r, &protocol.AcceptOptions{CheckOrigin: i.opts.CheckOrigin, ReadLimit: feedReadLimit})
	if err != nil {
		i.opts.Logf("demo: feed: %v", err)
		return
	}
	defer c.CloseNow()
	if !f.setConn(c) {
		c.Close(protocol.StatusGoingAway, "server shutting down")
		return
	}
	defer f.end()
	c.StartHeartbeat(i.opts.PingInterval, i.opts.PingInterval)

	b, _ := json.Marshal(hello{Type: "feed", ID: f.id, MaxMessage: i.opts.MaxMessage, Rate: i.opts.Rate, Burst: i.opts.Burst})
	if err := f.write(b); err != nil {
		return
	}
	var writer sync.WaitGroup
	writer.Go(f.writeLoop)
	defer writer.Wait()
	defer cancel() // runs before the Wait

	limit := newBucket(i.opts.Rate, i.opts.Burst, i.now)
	for {
		op, p, err := c.Read(ctx)
		if err != nil {
			return
		}
		if !limit.take() {
			f.notice(0, "warn", "rate", "Too many commands: ignored.")
			continue
		}
		var cmd command
		if op != protocol.OpText || json.Unmarshal(p, &cmd) != nil {
			f.notice(0, "warn", "command", "Commands are JSON text messages.")
			continue
		}
		f.do(cmd)
	}
}

// do carries out a command from the page.
func (f *feed) do(cmd command) {
	switch cmd.Type {
	case "lab":
		f.runLab(cmd.Rule)
		return
	case "lab-rules":
		f.write(labRulesMessage())
		return
	}
	if cmd.Type == "fragments" {
		f.fragments.Store(cmd.On)
		state := "off: each message is echoed in one frame"
		if cmd.On {
			state = "on: messages are echoed in three or more frames"
		}
		f.notice(0, "info", "fragments", "Server replies in fragments "+state+".")
		return
	}
	spec, n := f.current(time.Second)
	if spec == nil && (cmd.Type == "ping" || cmd.Type == "close") {
		f.notice(0, "warn", "command", "No specimen connection is open.")
		return
	}
	switch cmd.Type {
	case "ping":
		// RFC 6455 §5.5: control frames carry at most 125 bytes.
		p := []byte(truncate(cmd.Payload, protocol.MaxControlPayload))
		f.tasks.Go(func() {
			defer f.ins.recovered("a ping from the inspector", nil)
			ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
			defer cancel()
			if err := spec.Ping(ctx, p); err != nil && f.ctx.Err() == nil {
				f.notice(n, "warn", "command", "Ping failed: "+err.Error())
			}
		})
	case "close":
		code := protocol.StatusCode(cmd.Code)
		if cmd.Code < 0 || cmd.Code > 0xFFFF || !code.ValidOnWire() {
			f.notice(n, "warn", "command", fmt.Sprintf("Close code %d may not be sent (RFC 6455 §7.4): try 1000, 1001, 3000-4999.", cmd.Code))
			return
		}
		reason := truncate(cmd.Reason, protocol.MaxCloseReason)
		f.tasks.Go(func() {
			defer f.ins.recovered("a close from the inspector", nil)
			spec.Close(code, reason)
		})
	default:
		f.notice(0, "warn", "command", fmt.Sprintf("Unknown command %q.", truncate(cmd.Type, 40)))
	}
}

// truncate cuts s to at most n bytes at a UTF-8 boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (f *feed) setConn(c *protocol.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conn = c
	return !f.done
}

// end stops the feed taking specimens, closes the live one and waits for
// the commands in flight.
func (f *feed) end() {
	f.mu.Lock()
	f.done = true
	spec := f.specimen
	f.mu.Unlock()
	f.ins.unregister(f)
	if spec != nil {
		spec.Close(protocol.StatusGoingAway, "inspector feed closed")
	}
	f.cancel()
	f.tasks.Wait()
}

// shutdown closes the feed for Inspector.Close; its handler then ends.
func (f *feed) shutdown() {
	f.mu.Lock()
	f.done = true
	c, spec := f.conn, f.specimen
	f.mu.Unlock()
	if spec != nil {
		spec.Close(protocol.StatusGoingAway, "server shutting down")
	}
	if c != nil {
		c.Close(protocol.StatusGoingAway, "server shutting down")
	}
}

// nextConn numbers a new specimen connection, pending until attach or
// abandon.
func (f *feed) nextConn() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conns++
	f.pending++
	return f.conns
}

// abandon ends a pending specimen whose handshake failed.
func (f *feed) abandon() {
	f.mu.Lock()
	f.pending--
	f.change()
	f.mu.Unlock()
}

// change wakes those waiting in current. f.mu must be held.
func (f *feed) change() {
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
}

// attach makes c, specimen number n, the feed's live specimen and returns
// the one it replaces, to be closed. Numbers decide, not the order of
// arrival: if a newer specimen is live already, c is the one replaced.
// It reports false when the feed has ended.
func (f *feed) attach(c *protocol.Conn, n int) (replaced *protocol.Conn, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending--
	f.change()
	if f.done {
		return nil, false
	}
	if f.specimen != nil && f.specN > n {
		return c, true
	}
	replaced, f.specimen, f.specN = f.specimen, c, n
	return replaced, true
}

func (f *feed) detach(c *protocol.Conn) {
	f.mu.Lock()
	if f.specimen == c {
		f.specimen = nil
	}
	f.mu.Unlock()
}

// current returns the live specimen and its number, or nil. While one
// is in its opening handshake it waits for it, up to timeout: the page
// may send a command as soon as its socket opens.
func (f *feed) current(timeout time.Duration) (*protocol.Conn, int) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		spec, n, pending := f.specimen, f.specN, f.pending
		if f.changed == nil {
			f.changed = make(chan struct{})
		}
		changed := f.changed
		f.mu.Unlock()
		if spec != nil || pending == 0 {
			return spec, n
		}
		select {
		case <-changed:
		case <-deadline.C:
			return nil, 0
		}
	}
}

// publish queues rec for the page, stamped with the next sequence number
// (and the time, if it has none). It never blocks: a full queue drops
// rec and counts it.
func (f *feed) publish(rec Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stamp(&rec)
	if f.tee != nil {
		f.tee.Record(rec)
	}
	select {
	case f.queue <- rec:
	default:
		f.dropped.Add(1)
	}
}

// stamp sets rec's Seq, and its time if unset. f.mu must be held.
func (f *feed) stamp(rec *Record) {
	f.seq++
	rec.Seq = f.seq
	if rec.Time == "" {
		now := f.ins.now()
		rec.Time = now.Format(time.RFC3339Nano)
		rec.Ms = msSince(now, f.start)
	}
}

func (f *feed) notice(conn int, level, code, text string) {
	rec := notice(level, code, text)
	rec.Conn = conn
	f.publish(rec)
}

// writeLoop is the feed's writer: it sends queued records until the feed
// ends, and after each one reports any that were dropped meanwhile.
func (f *feed) writeLoop() {
	defer f.ins.recovered("an inspector feed's writer", f.cancel)
	for {
		select {
		case <-f.ctx.Done():
			return
		case rec := <-f.queue:
			if f.send(rec) != nil {
				f.cancel()
				return
			}
		}
		if n := f.dropped.Swap(0); n > 0 {
			rec := notice("warn", "dropped", fmt.Sprintf("%d frames not shown: this page fell behind.", n))
			f.mu.Lock()
			f.stamp(&rec)
			f.mu.Unlock()
			if f.send(rec) != nil {
				f.cancel()
				return
			}
		}
	}
}

func (f *feed) send(rec Record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return f.write(b)
}

func (f *feed) write(b []byte) error {
	ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
	defer cancel()
	return f.conn.Write(ctx, protocol.OpText, b)
}
