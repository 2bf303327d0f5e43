package protocol

import (
	"context"
	"errors"
	"sync/atomic"
)

// ctxMutex is a mutual-exclusion lock whose lock gives up when a context
// ends or a done channel closes: a Read or Write waiting for its turn
// must stop when its context does.
//
// Taking and releasing it uncontended costs three atomic operations. A
// buffered channel used as a lock (the obvious way to select on it) costs
// a runtime mutex on each side of each operation, which showed as a third
// of the CPU of reading a small message. The channel that wakes waiters is
// made only when someone first has to wait, so an idle connection does
// not carry one. The zero value is unlocked.
type ctxMutex struct {
	held    atomic.Bool
	waiters atomic.Int32
	wake    atomic.Pointer[chan struct{}] // capacity 1: a token for one waiter
}

// errLockDone is what lock returns when done closed before m was free.
var errLockDone = errors.New("websocket: gave up waiting for a lock: connection closed")

// lock takes m. It returns ctx.Err() if ctx ends first and errLockDone if
// done closes first; a free m is taken whatever the state of ctx and done.
func (m *ctxMutex) lock(ctx context.Context, done <-chan struct{}) error {
	if m.held.CompareAndSwap(false, true) {
		return nil
	}
	return m.lockSlow(ctx, done)
}

// tryLock takes m if it is free and reports whether it did.
func (m *ctxMutex) tryLock() bool { return m.held.CompareAndSwap(false, true) }

func (m *ctxMutex) lockSlow(ctx context.Context, done <-chan struct{}) error {
	wake := m.wakeChan()
	// Counted as a waiter before the next try: an unlock that comes after
	// that try fails sees the count and leaves a token (all the atomics
	// here are sequentially consistent).
	m.waiters.Add(1)
	defer m.waiters.Add(-1)
	for {
		if m.held.CompareAndSwap(false, true) {
			return nil
		}
		select {
		case <-wake:
			// A token: m was released; try again. Another goroutine may
			// have taken it meanwhile, in which case its unlock will leave
			// another token.
		case <-ctx.Done():
			return ctx.Err()
		case <-done:
			return errLockDone
		}
	}
}

// wakeChan returns the wake channel, making it on first use.
func (m *ctxMutex) wakeChan() chan struct{} {
	if p := m.wake.Load(); p != nil {
		return *p
	}
	ch := make(chan struct{}, 1)
	if m.wake.CompareAndSwap(nil, &ch) {
		return ch
	}
	return *m.wake.Load()
}

// unlock releases m; it may be called from a goroutine other than the one
// that locked it.
func (m *ctxMutex) unlock() {
	m.held.Store(false)
	if m.waiters.Load() > 0 {
		// A waiter made the channel before counting itself. A token
		// already in it is enough: it wakes a waiter who then tries again.
		select {
		case *m.wake.Load() <- struct{}{}:
		default:
		}
	}
}
