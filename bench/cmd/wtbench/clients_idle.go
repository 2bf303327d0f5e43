package main

import (
	"fmt"
	"time"
)

func runIdle(cfg clientsConfig, maxFD int) ([]idleResult, error) {
	f, err := newFleet(cfg, maxFD)
	if err != nil {
		return nil, err
	}
	defer f.group.Close()
	base, err := f.ctl.mem()
	if err != nil {
		return nil, err
	}
	var out []idleResult
	for _, n := range cfg.ns {
		if _, err := f.grow(n); err != nil {
			return nil, fmt.Errorf("at N=%d: %w", n, err)
		}
		m, err := f.ctl.mem()
		if err != nil {
			return nil, err
		}
		if m.Conns < n {
			return nil, fmt.Errorf("at N=%d: the server holds only %d sockets", n, m.Conns)
		}
		out = append(out, idleResult{N: n, Base: base, Mem: m})
	}
	if d, err := f.group.Dropped(); d > 0 {
		return nil, fmt.Errorf("%d sockets were dropped: %v", d, err)
	}
	time.Sleep(min(cfg.hold, 10*time.Minute))
	return out, nil
}
