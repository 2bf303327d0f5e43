package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A tournament measures the broadcast of several servers in one go. Each
// contender is a server process and a clients process of its own holding
// N sockets to it; every contender's sockets are open at once, and the
// rounds alternate between contenders, in a fresh random order each
// cycle, so that round i of every contender is measured within a second
// of the others'. The speed of a shared machine drifts from second to
// second: runs of one server after another, minutes apart, measure the
// drift as much as the servers (round-to-round ratios of two runs of the
// same floor spread from 0.8 to 1.2 on this machine). Round i of one
// contender against round i of another cancels most of it, and many such
// pairs give a median ratio narrow enough to tell a few percent.
//
// Each contender has a clients process because one process may hold at
// most 20,000 open files here, and the sockets of seven contenders at
// 10,000 each would not fit in one. The clients processes are the same
// program (runRounds), built from the same source for every contender.

// entrant is a server to put in a tournament.
type entrant struct {
	name string // its key in the results: the library, "hub", or ab's name
	lib  string // wtbench server -lib
	exe  string // the wtbench binary whose server it is
}

// contender is an entrant at play: its server and its clients process.
type contender struct {
	entrant
	srv     *serverProc
	ctl     *ctlConn // the tournament's own control connection: cpu, prof
	clients *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Scanner
	stderr  lockedBuffer
	exited  chan struct{} // closed when the clients process has ended, with
	exitErr error         // what Wait said
}

// tournamentConfig is how a tournament plays.
type tournamentConfig struct {
	ns       []int
	warmup   int           // rounds of every contender before the timed ones, at each N
	rounds   int           // timed rounds of every contender at each N
	gap      time.Duration // pause after each round
	clients  string        // the wtbench binary of every clients process
	seed     uint64        // of the order of the contenders in each cycle
	profile  string        // with profName and profN: a CPU profile of that contender's server
	profName string        // during its timed rounds at profN sockets
	profN    int
	log      func(format string, args ...any)
}

// play runs a tournament of entrants and returns each one's results, by
// name, with one broadcastResult per N in the order of cfg.ns; its rounds
// are in the order of the cycles, so that round i of two contenders was
// measured in the same cycle. A contender that fails leaves the
// tournament with its error in failed; the others play on.
func (cfg tournamentConfig) play(entrants []entrant) (results map[string][]broadcastResult, failed map[string]error) {
	results, failed = map[string][]broadcastResult{}, map[string]error{}
	var cs []*contender
	defer func() {
		for _, c := range cs {
			c.stop()
		}
	}()
	for _, e := range entrants {
		c, err := cfg.start(e)
		if err != nil {
			failed[e.name] = err
			continue
		}
		cs = append(cs, c)
	}
	drop := func(c *contender, err error) {
		failed[c.name] = err
		c.stop()
		cs = slices.DeleteFunc(cs, func(x *contender) bool { return x == c })
	}
	rng := rand.New(rand.NewPCG(cfg.seed, 0x77746265))
	for _, n := range cfg.ns {
		res := map[*contender]*broadcastResult{}
		for _, c := range slices.Clone(cs) {
			took, err := c.ask("grow " + strconv.Itoa(n))
			if err != nil {
				drop(c, err)
				continue
			}
			res[c] = &broadcastResult{N: n, ConnectMS: took}
		}
		cycle := func(timed bool) {
			order := slices.Clone(cs)
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, c := range order {
				d, err := c.ask("round")
				if err != nil {
					drop(c, err)
					continue
				}
				if timed {
					res[c].RoundsMS = append(res[c].RoundsMS, d)
				}
			}
		}
		for range cfg.warmup {
			cycle(false)
		}
		cpu0 := map[*contender]int64{}
		for _, c := range slices.Clone(cs) {
			v, err := c.ctl.cpu()
			if err != nil {
				drop(c, err)
				continue
			}
			cpu0[c] = v
			if cfg.profiles(c, n) {
				if _, err := c.ctl.ask("prof start " + cfg.profile); err != nil {
					drop(c, err)
				}
			}
		}
		for range cfg.rounds {
			cycle(true)
		}
		for _, c := range slices.Clone(cs) {
			if cfg.profiles(c, n) {
				if _, err := c.ctl.ask("prof stop"); err != nil {
					drop(c, err)
					continue
				}
			}
			v, err := c.ctl.cpu()
			if err != nil {
				drop(c, err)
				continue
			}
			r := res[c]
			r.ServerCPUNS = v - cpu0[c]
			results[c.name] = append(results[c.name], *r)
			if cfg.log != nil {
				cfg.log("  N=%-6d %-10s p50 %6.1f ms  server CPU %5.1f ms a round", n, c.name, median(r.RoundsMS), float64(r.ServerCPUNS)/1e6/float64(len(r.RoundsMS)))
			}
		}
	}
	for _, c := range slices.Clone(cs) {
		if err := c.finish(); err != nil {
			failed[c.name] = err
			delete(results, c.name)
		}
	}
	return results, failed
}

// profiles says whether c's server is to be profiled in its timed rounds
// at n sockets.
func (cfg tournamentConfig) profiles(c *contender, n int) bool {
	return cfg.profile != "" && c.name == cfg.profName && n == cfg.profN
}

// start starts e's server and its clients process.
func (cfg tournamentConfig) start(e entrant) (*contender, error) {
	srv, err := startServer(command("", e.exe, "server", "-lib", e.lib, "-mode", "broadcast"))
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	c := &contender{entrant: e, srv: srv, exited: make(chan struct{})}
	if c.ctl, err = dialCtlString(srv.addrs.Ctl); err != nil {
		srv.stop()
		return nil, err
	}
	args := []string{"clients", "-mode", "rounds", "-ws", srv.addrs.WS, "-ctl", srv.addrs.Ctl,
		"-n", strconv.Itoa(slices.Max(cfg.ns)), "-gap", cfg.gap.String()} // -n: for its open-file check
	if e.lib == "hub" {
		args = append(args, "-path", "/ws", "-initial", "2", "-presenter", hubKey)
	}
	c.clients = exec.Command(cfg.clients, args...)
	c.clients.Stderr = &c.stderr
	if c.in, err = c.clients.StdinPipe(); err == nil {
		var out io.Reader
		if out, err = c.clients.StdoutPipe(); err == nil {
			c.out = bufio.NewScanner(out)
			err = c.clients.Start()
		}
	}
	if err != nil {
		c.ctl.nc.Close()
		srv.stop()
		return nil, fmt.Errorf("clients: %w", err)
	}
	go func() {
		c.exitErr = c.clients.Wait()
		close(c.exited)
	}()
	return c, nil
}

// ask sends the clients process one command ("grow N" or "round") and
// returns the milliseconds of its answer.
func (c *contender) ask(cmd string) (float64, error) {
	if _, err := fmt.Fprintln(c.in, cmd); err != nil {
		return 0, c.failure(err)
	}
	if !c.out.Scan() {
		return 0, c.failure(errors.New("the clients process ended"))
	}
	var r roundsReply
	if err := json.Unmarshal(c.out.Bytes(), &r); err != nil {
		return 0, c.failure(err)
	}
	if r.Error != "" {
		return 0, fmt.Errorf("%s: %s", cmd, r.Error)
	}
	return r.MS, nil
}

// failure adds what the clients process said on stderr to err.
func (c *contender) failure(err error) error {
	if s := strings.TrimSpace(c.stderr.String()); s != "" {
		return fmt.Errorf("%w: %s", err, s)
	}
	return err
}

// finish ends the clients process, which checks every message it got, and
// returns its verdict.
func (c *contender) finish() error {
	c.in.Close()
	select {
	case <-c.exited:
		if c.exitErr != nil {
			return c.failure(c.exitErr)
		}
		return nil
	case <-time.After(30 * time.Second):
		return errors.New("the clients process did not end within 30 s")
	}
}

// stop ends both processes, whatever state they are in.
func (c *contender) stop() {
	c.in.Close()
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		c.clients.Process.Kill()
	}
	c.ctl.nc.Close()
	c.srv.stop()
}

// lockedBuffer is a clients process's stderr: written by exec's copying
// goroutine, read by the tournament.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
