package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"wiretalk/bench/internal/rawws"
)

// presenter is a raw socket on /ws/presenter that moves the talk and, for
// the audience benchmarks, sends the room's commands and follows the
// polls' counts it is sent.
type presenter struct {
	fd     int
	frames [2][]byte
	i      int
	start  time.Time // receipt times are measured from it
	done   chan struct{}

	wmu     sync.Mutex  // one frame at a time
	closing atomic.Bool // close was called: the end of the socket is no failure

	mu     sync.Mutex
	kinds  map[string]int // messages received, by "type"
	totals map[string]int // votes counted in each poll, as the last "polls" said
	want   *totalWatch    // armed by expectTotal
	beat   heartbeatSeen  // the last "heartbeat" message
	err    error          // the first message that could not be read
}

// totalWatch waits for a poll's votes to add up to a number.
type totalWatch struct {
	poll string
	n    int
	at   chan time.Duration // receipt time of the "polls" message that said so
}

func newPresenter(addr netip.AddrPort, key string, start time.Time) (*presenter, error) {
	fd, rest, err := rawws.Dial(addr, "/ws/presenter?key="+key, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("presenter socket: %w", err)
	}
	p := &presenter{fd: fd, start: start, done: make(chan struct{}), kinds: map[string]int{}, totals: map[string]int{}}
	for i := range p.frames {
		p.frames[i] = rawws.Frame(rawws.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, 1-i), true)
	}
	go p.read(rest)
	return p, nil
}

// read reads what the presenter page would show, and notes the messages'
// kinds and the polls' counts.
func (p *presenter) read(pending []byte) {
	defer close(p.done)
	buf := make([]byte, 64<<10)
	for {
		for {
			op, fin, payload, n, err := rawws.SplitFrame(pending)
			if err != nil {
				p.fail(err)
				return
			}
			if n == 0 {
				break
			}
			switch {
			case op == rawws.OpText && fin: // the hub sends every message as one frame
				p.message(payload, time.Since(p.start))
			case op == rawws.OpPing: // as the presenter's browser does, else the heartbeat drops it
				if err := p.write(rawws.Frame(rawws.OpPong, payload, true)); err != nil {
					p.fail(fmt.Errorf("presenter: pong: %w", err))
					return
				}
			}
			pending = pending[n:]
		}
		n, err := syscall.Read(p.fd, buf)
		if err == syscall.EAGAIN || err == syscall.EINTR {
			continue // the receive timeout
		}
		if n <= 0 || err != nil {
			if !p.closing.Load() {
				p.fail(fmt.Errorf("presenter: the server closed the socket (%v)", err))
			}
			return
		}
		pending = append(pending, buf[:n]...)
	}
}

// message notes one text message received at t.
func (p *presenter) message(payload []byte, t time.Duration) {
	var m struct {
		heartbeatSeen
		Type  string `json:"type"`
		Polls []struct {
			ID     string `json:"id"`
			Counts []int  `json:"counts"`
		} `json:"polls"`
	}
	if err := json.Unmarshal(payload, &m); err != nil {
		p.fail(fmt.Errorf("presenter: %q: %w", payload, err))
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.kinds[m.Type]++
	if m.Type == "heartbeat" {
		p.beat = m.heartbeatSeen
	}
	if m.Type != "polls" {
		return
	}
	for _, poll := range m.Polls {
		total := 0
		for _, c := range poll.Counts {
			total += c
		}
		p.totals[poll.ID] = total
	}
	p.checkLocked(t)
}

func (p *presenter) checkLocked(t time.Duration) {
	if w := p.want; w != nil && p.totals[w.poll] == w.n {
		w.at <- t
		p.want = nil
	}
}

func (p *presenter) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
	}
}

// expectTotal arms a wait for the "polls" message that counts n votes in
// poll; it returns that message's receipt time (since start) on the
// channel. If the last message already said so, the time is 0.
func (p *presenter) expectTotal(poll string, n int) <-chan time.Duration {
	w := &totalWatch{poll: poll, n: n, at: make(chan time.Duration, 1)}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.want = w
	p.checkLocked(0)
	return w.at
}

// heartbeatSeen is what the presenter was last told of the room's round
// trips, as the server measured them.
type heartbeatSeen struct {
	Phones  int     `json:"phones"`
	Median  float64 `json:"median"`  // ms
	Slowest float64 `json:"slowest"` // ms
}

// lastBeat returns the last heartbeat message's figures.
func (p *presenter) lastBeat() heartbeatSeen {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.beat
}

// kindCounts returns how many messages of each type the presenter got.
func (p *presenter) kindCounts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.kinds)
}

// readErr returns the first message the presenter could not read.
func (p *presenter) readErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// next sends the key press: go to the other of the first two slides.
func (p *presenter) next() error {
	err := p.write(p.frames[p.i])
	p.i = 1 - p.i
	return err
}

// send sends one command, as JSON text.
func (p *presenter) send(cmd string) error {
	return p.write(rawws.Frame(rawws.OpText, []byte(cmd), true))
}

// write writes one whole frame: a command and a pong never interleave.
func (p *presenter) write(frame []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return rawws.WriteAll(p.fd, frame)
}

func (p *presenter) close() {
	p.closing.Store(true)
	syscall.Shutdown(p.fd, syscall.SHUT_RDWR)
	<-p.done
	syscall.Close(p.fd)
}
