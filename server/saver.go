package server

import (
	"sync"
	"time"
)

// saveEvery is the least time between two writes of the position file. A
// presenter who holds an arrow key down moves many times a second, and
// only the newest position needs keeping: a position is on disk at most
// saveEvery (and the write itself) after the move, well within the second
// that a kill -9 may lose.
const saveEvery = 200 * time.Millisecond

// positionSaver keeps the talk's position on disk off the key-press path.
// set only records the newest position; a writer goroutine of its own
// writes it, at once after a quiet spell, and at most once per every
// during a burst of moves (latest wins: positions in between are never
// written). The writer exists only while there is something to write, like
// the hub's. close writes the newest position before it returns.
type positionSaver struct {
	write func(position) error // positionStore.save; nil when positions are not kept
	every time.Duration
	logf  func(string, ...any)

	mu      sync.Mutex
	latest  position
	dirty   bool          // latest is not on disk yet
	running bool          // the writer goroutine runs
	closed  bool          // close has begun: nothing more is written
	failing bool          // the last write failed, and was logged
	stop    chan struct{} // closed by close: the writer ends its pause
	writer  sync.WaitGroup
}

func newPositionSaver(store positionStore, logf func(string, ...any)) *positionSaver {
	w := &positionSaver{every: saveEvery, logf: logf, stop: make(chan struct{})}
	if store.path != "" {
		w.write = store.save
	}
	return w
}

// set records p as the position to keep, and never waits for the disk.
func (w *positionSaver) set(p position) {
	if w.write == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.latest, w.dirty = p, true
	if !w.running {
		w.running = true
		w.writer.Add(1)
		go w.run()
	}
}

// run writes the newest position, pauses for every, and goes on while
// there is a newer one; it ends when there is none, or at close.
func (w *positionSaver) run() {
	defer w.writer.Done()
	defer guard(w.logf, "the writer of the talk's position", func() {
		w.mu.Lock()
		w.running = false
		w.mu.Unlock()
	})
	pause := time.NewTimer(w.every)
	pause.Stop()
	for {
		w.mu.Lock()
		if !w.dirty || w.closed {
			w.running = false
			w.mu.Unlock()
			return
		}
		p := w.latest
		w.dirty = false
		w.mu.Unlock()
		w.save(p)
		pause.Reset(w.every)
		select {
		case <-pause.C:
		case <-w.stop:
			pause.Stop()
		}
	}
}

// save writes p, and logs a failure once until a write succeeds again: a
// folder that cannot be written would otherwise fill the log.
func (w *positionSaver) save(p position) {
	err := w.write(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case err != nil && !w.failing:
		w.logf("cannot keep the talk's position: %v", err)
	case err == nil && w.failing:
		w.logf("the talk's position is kept again")
	}
	w.failing = err != nil
}

// close stops the writer, after the write under way if any, writes the
// newest position if it is not on disk yet, and writes nothing after: the
// caller may remove the state folder once close returns.
func (w *positionSaver) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.stop)
	w.mu.Unlock()
	w.writer.Wait() // no set starts a writer once closed is set
	w.mu.Lock()
	p, dirty := w.latest, w.dirty
	w.dirty = false
	w.mu.Unlock()
	if dirty {
		w.save(p)
	}
}
