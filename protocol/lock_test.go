package protocol

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestCtxMutexExcludes(t *testing.T) {
	var m ctxMutex
	var wg sync.WaitGroup
	counter := 0 // guarded by m only: the race detector checks the claim
	const workers, rounds = 8, 2000
	for range workers {
		wg.Go(func() {
			for range rounds {
				if err := m.lock(context.Background(), nil); err != nil {
					t.Error(err)
					return
				}
				counter++
				m.unlock()
			}
		})
	}
	wg.Wait()
	if counter != workers*rounds {
		t.Fatalf("counter = %d, want %d", counter, workers*rounds)
	}
	if m.held.Load() || m.waiters.Load() != 0 {
		t.Fatalf("after all unlocks: held %v, waiters %d", m.held.Load(), m.waiters.Load())
	}
}

func TestCtxMutexUncontendedMakesNoChannel(t *testing.T) {
	var m ctxMutex
	for range 3 {
		if err := m.lock(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		m.unlock()
	}
	if m.wake.Load() != nil {
		t.Fatal("an uncontended mutex made its wake channel")
	}
}

func TestCtxMutexGivesUp(t *testing.T) {
	var m ctxMutex
	if err := m.lock(context.Background(), nil); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := m.lock(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("lock with an expiring context: %v, want DeadlineExceeded", err)
	}

	done := make(chan struct{})
	time.AfterFunc(20*time.Millisecond, func() { close(done) })
	if err := m.lock(context.Background(), done); err != errLockDone {
		t.Fatalf("lock while done closes: %v, want errLockDone", err)
	}

	// The holder still holds it, and the waiters that gave up are gone.
	if !m.held.Load() || m.waiters.Load() != 0 {
		t.Fatalf("held %v, waiters %d; want true, 0", m.held.Load(), m.waiters.Load())
	}
	m.unlock()

	// A free mutex is taken even with a context already ended.
	ended, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	if err := m.lock(ended, nil); err != nil {
		t.Fatalf("free mutex, ended context: %v", err)
	}
	m.unlock()
}

// Waiters that give up must not swallow the wake-up another waiter needs:
// every patient waiter gets the lock in the end.
func TestCtxMutexNoLostWakeup(t *testing.T) {
	var m ctxMutex
	var wg sync.WaitGroup
	const patient, impatient, rounds = 4, 4, 500
	for range impatient {
		wg.Go(func() {
			for range rounds {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Microsecond)
				if m.lock(ctx, nil) == nil {
					m.unlock()
				}
				cancel()
			}
		})
	}
	finished := make(chan struct{})
	var pw sync.WaitGroup
	for range patient {
		pw.Go(func() {
			for range rounds {
				if err := m.lock(context.Background(), nil); err != nil {
					t.Error(err)
					return
				}
				m.unlock()
			}
		})
	}
	go func() { pw.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(20 * time.Second):
		t.Fatal("patient waiters still waiting after 20s: a wake-up was lost")
	}
	wg.Wait()
}
