package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"wiretalk/bench/internal/rawws"
)

// fleet is the raw sockets of the clients process, all connected to one
// server, and the way to make that server broadcast.
type fleet struct {
	cfg     clientsConfig
	ctl     *ctlConn
	group   *rawws.Group
	start   time.Time
	trigger func() error // makes the server broadcast once
	pres    *presenter   // the hub's presenter socket, when cfg.presenter is set
	dialed  atomic.Int64 // sockets dialed so far, for their device ids
}

func newFleet(cfg clientsConfig, maxFD int) (*fleet, error) {
	ctl, err := dialCtl(cfg.ctl)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	g, err := rawws.NewGroup(2, maxFD, start)
	if err != nil {
		return nil, err
	}
	g.AnswerPings = cfg.pongs
	f := &fleet{cfg: cfg, ctl: ctl, group: g, start: start}
	f.trigger = func() error { return f.ctl.send("b") }
	if cfg.presenter != "" {
		if f.pres, err = newPresenter(cfg.ws, cfg.presenter, start); err != nil {
			g.Close()
			return nil, err
		}
		f.trigger = f.pres.next
	}
	return f, nil
}

// header returns the extra header lines of the next socket's handshake:
// with cfg.devices, those of a phone's browser, the page's Origin and a
// device cookie of its own (a valid id: 32 hex digits).
func (f *fleet) header() string {
	if !f.cfg.devices {
		return ""
	}
	return fmt.Sprintf("Origin: http://%s\r\nCookie: wiretalk_device=%032x\r\n", f.cfg.ws, f.dialed.Add(1))
}

// close closes every socket of the fleet.
func (f *fleet) close() {
	if f.pres != nil {
		f.pres.close()
	}
	f.group.Close()
}

// grow opens sockets until there are n, with a few dialers at once, and
// waits until the server counts them and each has its joining messages.
func (f *fleet) grow(n int) (time.Duration, error) {
	t0 := time.Now()
	todo := n - f.group.Len()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	jobs := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				fd, rest, err := rawws.DialHeader(f.cfg.ws, f.cfg.path, f.header(), 10*time.Second)
				if err == nil {
					err = f.group.Add(fd, rest)
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		}()
	}
	for range todo {
		jobs <- struct{}{}
		if len(errs) > 0 {
			break
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := f.ctl.count()
		if err != nil {
			return 0, err
		}
		got := f.group.Received()
		if c >= n && got >= int64(f.cfg.initial*n) {
			break
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("after 30 s the server counts %d of %d sockets, which received %d of %d joining messages",
				c, n, got, f.cfg.initial*n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Let joining settle: the writers of the joining messages exit, and
	// the hub's audience count for presenters waits 250 ms.
	time.Sleep(300 * time.Millisecond)
	return time.Since(t0), nil
}

// round makes the server broadcast once to the fleet's sockets and
// returns the time from just before the trigger to the last socket's
// receipt. It then waits cfg.gap and checks that no socket got more.
func (f *fleet) round() (time.Duration, error) {
	n := f.group.Len()
	base := f.group.Received()
	f.group.Arm(base + int64(n))
	t0 := time.Since(f.start)
	if err := f.trigger(); err != nil {
		return 0, err
	}
	last, err := f.group.Wait(10 * time.Second)
	if err != nil {
		return 0, err
	}
	time.Sleep(f.cfg.gap)
	if extra := f.group.Received() - (base + int64(n)); extra != 0 {
		return 0, fmt.Errorf("%d messages more than one per socket", extra)
	}
	return last - t0, nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
