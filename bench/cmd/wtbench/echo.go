package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"syscall"
	"time"

	"wiretalk/bench/internal/rawws"
)

// echoClient is one raw connection to an echo server. It sends a binary
// message masked once beforehand and waits for the whole echo, again and
// again.
type echoClient struct {
	fd     int
	buf    []byte
	p      rawws.Parser   // counts the echoes, and checks every frame
	frames map[int][]byte // the masked message of each size
}

func dialEcho(addr netip.AddrPort, path string) (*echoClient, error) {
	fd, rest, err := rawws.Dial(addr, path, 10*time.Second)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		syscall.Close(fd)
		return nil, fmt.Errorf("the echo server sent %d unexpected bytes", len(rest))
	}
	return &echoClient{fd: fd, buf: make([]byte, 256<<10), p: rawws.NewParser(), frames: map[int][]byte{}}, nil
}

func (e *echoClient) close() { syscall.Close(e.fd) }

// prepare makes the message of size bytes and checks its first echo byte
// for byte.
func (e *echoClient) prepare(size int) error {
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i*7 + 1)
	}
	frame := rawws.Frame(rawws.OpBinary, payload, true)
	if err := rawws.WriteAll(e.fd, frame); err != nil {
		return err
	}
	got, err := readMessage(e.fd, e.buf)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, payload) {
		return fmt.Errorf("echo of %d bytes came back wrong (%d bytes)", size, len(got))
	}
	e.frames[size] = frame
	return nil
}

// roundTrip sends the message of size bytes and waits for its echo.
func (e *echoClient) roundTrip(size int) error {
	if err := rawws.WriteAll(e.fd, e.frames[size]); err != nil {
		return err
	}
	for msgs := 0; msgs == 0; {
		n, err := rawws.Read(e.fd, e.buf)
		if err != nil {
			return err
		}
		msgs = e.p.Feed(e.buf[:n])
	}
	return e.p.Bad
}

// measure makes round trips of size bytes for warm, then counts those
// made in the next dur.
func (e *echoClient) measure(size int, warm, dur time.Duration) (echoResult, error) {
	for t0 := time.Now(); time.Since(t0) < warm; {
		if err := e.roundTrip(size); err != nil {
			return echoResult{}, err
		}
	}
	n := 0
	t0 := time.Now()
	for n < 50_000_000 {
		if err := e.roundTrip(size); err != nil {
			return echoResult{}, err
		}
		n++
		if n&63 == 0 && time.Since(t0) >= dur {
			break
		}
	}
	return echoResult{Size: size, RoundTrips: n, Seconds: time.Since(t0).Seconds()}, nil
}

// runEcho measures one server by itself (wtbench pair): each size for
// cfg.dur after a fifth of that to warm up, profiled on request.
func runEcho(cfg clientsConfig) ([]echoResult, error) {
	var ctl *ctlConn
	if cfg.profFile != "" {
		var err error
		if ctl, err = dialCtl(cfg.ctl); err != nil {
			return nil, err
		}
	}
	e, err := dialEcho(cfg.ws, cfg.path)
	if err != nil {
		return nil, err
	}
	defer e.close()
	var out []echoResult
	for _, size := range cfg.sizes {
		if err := e.prepare(size); err != nil {
			return nil, err
		}
		profiling := ctl != nil && cfg.profN == size
		if profiling {
			if _, err := ctl.ask("prof start " + cfg.profFile); err != nil {
				return nil, err
			}
		}
		r, err := e.measure(size, cfg.dur/5, cfg.dur)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
		if profiling {
			if _, err := ctl.ask("prof stop"); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// runEchoCycles measures several echo servers (cfg.echoTargets) in
// cycles: in each cycle, for each size, every server in a fresh random
// order gets cfg.dur of round trips after a short warm-up. A server's
// cycle i is measured within a second or two of every other's, so that
// the ratio of the two cancels the machine's drift, as the broadcast's
// tournament does (tournament.go). It returns, for each target in order,
// one []echoResult (a result per size) per cycle.
func runEchoCycles(cfg clientsConfig) ([][][]echoResult, error) {
	var cs []*echoClient
	defer func() {
		for _, e := range cs {
			e.close()
		}
	}()
	for _, addr := range cfg.echoTargets {
		e, err := dialEcho(addr, cfg.path)
		if err != nil {
			return nil, fmt.Errorf("%v: %w", addr, err)
		}
		cs = append(cs, e)
		for _, size := range cfg.sizes {
			if err := e.prepare(size); err != nil {
				return nil, fmt.Errorf("%v: %w", addr, err)
			}
		}
	}
	out := make([][][]echoResult, len(cs))
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x6563686f))
	for range cfg.cycles {
		for i := range cs {
			out[i] = append(out[i], nil)
		}
		for _, size := range cfg.sizes {
			for _, i := range rng.Perm(len(cs)) {
				r, err := cs[i].measure(size, cfg.dur/5, cfg.dur)
				if err != nil {
					return nil, fmt.Errorf("%v: %w", cfg.echoTargets[i], err)
				}
				last := len(out[i]) - 1
				out[i][last] = append(out[i][last], r)
			}
		}
	}
	return out, nil
}

// readMessage reads one whole message, which a server may have sent in
// several frames, and returns its payload.
func readMessage(fd int, buf []byte) ([]byte, error) {
	var raw []byte
	p := rawws.NewParser()
	for msgs := 0; msgs == 0; {
		n, err := rawws.Read(fd, buf)
		if err != nil {
			return nil, err
		}
		raw = append(raw, buf[:n]...)
		msgs = p.Feed(buf[:n])
	}
	return rawws.Payloads(raw)
}
