package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"wiretalk/bench/internal/rawws"
)

// clientsConfig is what the clients process is told.
type clientsConfig struct {
	ws, ctl     netip.AddrPort
	mode        string
	path        string
	ns          []int
	rounds      int
	warmup      int
	initial     int              // messages each socket gets on joining (the hub: hello and state)
	presenter   string           // with a key: trigger broadcasts as wiretalk's presenter
	sizes       []int            // echo
	cycles      int              // echo-cycles: how many
	echoTargets []netip.AddrPort // echo-cycles: every server, in order
	dur         time.Duration    // echo: measuring time per size
	gap         time.Duration    // broadcast: pause between rounds
	profN       int              // profile the server's rounds at this N
	profFile    string
	hold        time.Duration // idle: keep the sockets open this long at the end, for a look with pprof
}

// Results of the clients process, one JSON document on stdout.
type (
	broadcastResult struct {
		N         int       `json:"n"`
		ConnectMS float64   `json:"connect_ms"`
		RoundsMS  []float64 `json:"rounds_ms"`
		// ServerCPUNS is the server's CPU time (user and system) over
		// the timed rounds, pauses included, in ns.
		ServerCPUNS int64 `json:"server_cpu_ns"`
	}
	idleResult struct {
		N    int      `json:"n"`
		Base memStats `json:"base"`
		Mem  memStats `json:"mem"`
	}
	echoResult struct {
		Size       int     `json:"size"`
		RoundTrips int     `json:"round_trips"`
		Seconds    float64 `json:"seconds"`
	}
	clientsResult struct {
		Broadcast []broadcastResult `json:"broadcast,omitempty"`
		Idle      []idleResult      `json:"idle,omitempty"`
		Echo      []echoResult      `json:"echo,omitempty"`
		// EchoCycles is the echo-cycles mode's: for each server, in the
		// order of -ws, one result per size in each cycle.
		EchoCycles [][][]echoResult `json:"echo_cycles,omitempty"`
	}
)

func cmdClients(args []string) error {
	fs := flag.NewFlagSet("clients", flag.ExitOnError)
	var cfg clientsConfig
	ws := fs.String("ws", "", "the server's WebSocket address (echo-cycles: every server's, separated by commas)")
	ctl := fs.String("ctl", "", "the server's control address")
	fs.StringVar(&cfg.mode, "mode", "broadcast", "broadcast, idle, echo, echo-cycles (several servers in turn), or rounds (a tournament's: commands on stdin)")
	fs.StringVar(&cfg.path, "path", "/", "request path of the sockets")
	ns := fs.String("n", "1000,5000,10000", "socket counts, in increasing order")
	fs.IntVar(&cfg.rounds, "rounds", 30, "timed broadcast rounds at each count")
	fs.IntVar(&cfg.warmup, "warmup", 3, "untimed broadcast rounds first")
	fs.IntVar(&cfg.initial, "initial", 0, "messages a socket receives on joining")
	fs.StringVar(&cfg.presenter, "presenter", "", "presenter key: trigger as wiretalk's presenter page")
	sizes := fs.String("sizes", "16,1024,65536", "echo payload sizes")
	fs.DurationVar(&cfg.dur, "dur", time.Second, "echo: time measured per size (echo-cycles: per size, server and cycle)")
	fs.IntVar(&cfg.cycles, "cycles", 30, "echo-cycles: how many cycles")
	fs.DurationVar(&cfg.gap, "gap", 20*time.Millisecond, "broadcast: pause between rounds")
	fs.IntVar(&cfg.profN, "prof-n", 0, "CPU-profile the server during the broadcast rounds at this N, or the echoes of this size")
	fs.StringVar(&cfg.profFile, "prof", "", "the server's CPU profile file (with -prof-n)")
	fs.DurationVar(&cfg.hold, "hold", 0, "idle: keep the sockets open this long at the end (for a heap profile: send \"heap FILE\" to the control port)")
	fs.Parse(args)
	var err error
	if cfg.mode == "echo-cycles" {
		for a := range strings.SplitSeq(*ws, ",") {
			ap, err := netip.ParseAddrPort(a)
			if err != nil {
				return fmt.Errorf("-ws: %w", err)
			}
			cfg.echoTargets = append(cfg.echoTargets, ap)
		}
	} else {
		if cfg.ws, err = netip.ParseAddrPort(*ws); err != nil {
			return fmt.Errorf("-ws: %w", err)
		}
		if cfg.ctl, err = netip.ParseAddrPort(*ctl); err != nil {
			return fmt.Errorf("-ctl: %w", err)
		}
	}
	if cfg.ns, err = intList(*ns); err != nil {
		return fmt.Errorf("-n: %w", err)
	}
	if cfg.sizes, err = intList(*sizes); err != nil {
		return fmt.Errorf("-sizes: %w", err)
	}
	maxFD, err := raiseNoFile()
	if err != nil {
		return err
	}
	if n := slices.Max(cfg.ns); uint64(n)+64 > maxFD {
		return fmt.Errorf("%d sockets need more than the %d open files allowed", n, maxFD)
	}
	var res clientsResult
	switch cfg.mode {
	case "broadcast":
		res.Broadcast, err = runBroadcast(cfg, int(maxFD))
	case "idle":
		res.Idle, err = runIdle(cfg, int(maxFD))
	case "echo":
		res.Echo, err = runEcho(cfg)
	case "echo-cycles":
		res.EchoCycles, err = runEchoCycles(cfg)
	case "rounds":
		return runRounds(cfg, int(maxFD), os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("unknown mode %q", cfg.mode)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func intList(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// ctlConn is the clients' side of a server's control port.
type ctlConn struct {
	nc net.Conn
	r  *bufio.Reader
}

func dialCtl(addr netip.AddrPort) (*ctlConn, error) {
	nc, err := net.DialTimeout("tcp4", addr.String(), 5*time.Second)
	if err != nil {
		return nil, err
	}
	nc.(*net.TCPConn).SetNoDelay(true)
	return &ctlConn{nc: nc, r: bufio.NewReader(nc)}, nil
}

// send sends a command that has no reply.
func (c *ctlConn) send(cmd string) error {
	_, err := c.nc.Write([]byte(cmd + "\n"))
	return err
}

// ask sends a command and returns its one-line reply.
func (c *ctlConn) ask(cmd string) (string, error) {
	if err := c.send(cmd); err != nil {
		return "", err
	}
	c.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSpace(line)
	if msg, ok := strings.CutPrefix(line, "error: "); ok {
		return "", fmt.Errorf("server: %s", msg)
	}
	return line, nil
}

func (c *ctlConn) count() (int, error) {
	s, err := c.ask("count")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}

// cpu returns the CPU time the server process has used, in ns.
func (c *ctlConn) cpu() (int64, error) {
	s, err := c.ask("cpu")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

func (c *ctlConn) mem() (memStats, error) {
	var m memStats
	s, err := c.ask("mem")
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal([]byte(s), &m)
}

// fleet is the raw sockets of the clients process, all connected to one
// server, and the way to make that server broadcast.
type fleet struct {
	cfg     clientsConfig
	ctl     *ctlConn
	group   *rawws.Group
	start   time.Time
	trigger func() error // makes the server broadcast once
	pres    *presenter   // the hub's presenter socket, when cfg.presenter is set
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
	f := &fleet{cfg: cfg, ctl: ctl, group: g, start: start}
	f.trigger = func() error { return f.ctl.send("b") }
	if cfg.presenter != "" {
		if f.pres, err = newPresenter(cfg.ws, cfg.presenter); err != nil {
			g.Close()
			return nil, err
		}
		f.trigger = f.pres.next
	}
	return f, nil
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
				fd, rest, err := rawws.Dial(f.cfg.ws, f.cfg.path, 10*time.Second)
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

// runBroadcast measures one server by itself (wtbench pair): at each N,
// warm-up rounds, then the timed ones.
func runBroadcast(cfg clientsConfig, maxFD int) ([]broadcastResult, error) {
	f, err := newFleet(cfg, maxFD)
	if err != nil {
		return nil, err
	}
	defer f.close()
	var out []broadcastResult
	for _, n := range cfg.ns {
		took, err := f.grow(n)
		if err != nil {
			return nil, fmt.Errorf("N=%d: %w", n, err)
		}
		r := broadcastResult{N: n, ConnectMS: ms(took)}
		profiling := cfg.profFile != "" && cfg.profN == n
		var cpu0 int64
		for i := range cfg.warmup + cfg.rounds {
			if i == cfg.warmup {
				if cpu0, err = f.ctl.cpu(); err != nil {
					return nil, err
				}
				if profiling {
					if _, err := f.ctl.ask("prof start " + cfg.profFile); err != nil {
						return nil, err
					}
				}
			}
			d, err := f.round()
			if err != nil {
				return nil, fmt.Errorf("N=%d round %d: %w", n, i, err)
			}
			if i >= cfg.warmup {
				r.RoundsMS = append(r.RoundsMS, ms(d))
			}
		}
		cpu1, err := f.ctl.cpu()
		if err != nil {
			return nil, err
		}
		r.ServerCPUNS = cpu1 - cpu0
		if profiling {
			if _, err := f.ctl.ask("prof stop"); err != nil {
				return nil, err
			}
		}
		if err := f.group.Malformed(); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// runRounds is the clients process of one contender in a tournament
// (tournament.go): it opens sockets and times rounds when told. It reads
// one command per line on stdin and answers each with one JSON line
// (roundsReply) on stdout:
//
//	grow N    open sockets until there are N, and wait until the server counts them
//	round     time one broadcast to the sockets
//
// It ends at the end of its input, after checking that no socket received
// a malformed message.
func runRounds(cfg clientsConfig, maxFD int, in io.Reader, out io.Writer) error {
	f, err := newFleet(cfg, maxFD)
	if err != nil {
		return err
	}
	defer f.close()
	enc := json.NewEncoder(out)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var reply roundsReply
		var d time.Duration
		switch cmd, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " "); cmd {
		case "grow":
			n, aerr := strconv.Atoi(arg)
			if aerr != nil {
				return fmt.Errorf("command %q: %w", sc.Text(), aerr)
			}
			d, err = f.grow(n)
		case "round":
			d, err = f.round()
		default:
			return fmt.Errorf("unknown command %q", sc.Text())
		}
		reply.MS = ms(d)
		if err != nil {
			reply.Error = fmt.Sprintf("N=%d: %v", f.group.Len(), err)
		}
		if err := enc.Encode(reply); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return f.group.Malformed()
}

// roundsReply is runRounds' answer to one command.
type roundsReply struct {
	MS    float64 `json:"ms"`
	Error string  `json:"error,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

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
			return nil, fmt.Errorf("N=%d: %w", n, err)
		}
		m, err := f.ctl.mem()
		if err != nil {
			return nil, err
		}
		if m.Conns < n {
			return nil, fmt.Errorf("N=%d: the server holds only %d sockets", n, m.Conns)
		}
		out = append(out, idleResult{N: n, Base: base, Mem: m})
	}
	if d, err := f.group.Dropped(); d > 0 {
		return nil, fmt.Errorf("%d sockets were dropped: %v", d, err)
	}
	time.Sleep(min(cfg.hold, 10*time.Minute))
	return out, nil
}

// presenter is a raw socket on /ws/presenter that moves the talk.
type presenter struct {
	fd     int
	frames [2][]byte
	i      int
	done   chan struct{}
}

func newPresenter(addr netip.AddrPort, key string) (*presenter, error) {
	fd, _, err := rawws.Dial(addr, "/ws/presenter?key="+key, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("presenter socket: %w", err)
	}
	p := &presenter{fd: fd, done: make(chan struct{})}
	for i := range p.frames {
		p.frames[i] = rawws.Frame(rawws.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, 1-i), true)
	}
	go func() { // read and drop what the presenter page would show
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := syscall.Read(fd, buf)
			if err == syscall.EAGAIN || err == syscall.EINTR {
				continue // the receive timeout
			}
			if n <= 0 || err != nil {
				return
			}
		}
	}()
	return p, nil
}

// next sends the key press: go to the other of the first two slides.
func (p *presenter) next() error {
	err := rawws.WriteAll(p.fd, p.frames[p.i])
	p.i = 1 - p.i
	return err
}

func (p *presenter) close() {
	syscall.Shutdown(p.fd, syscall.SHUT_RDWR)
	<-p.done
	syscall.Close(p.fd)
}
