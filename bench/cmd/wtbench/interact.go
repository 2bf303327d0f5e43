package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cmdInteract measures issue 18's targets for the audience talking back,
// each workload with a wiretalk server process and a clients process of
// its own, and writes section 7 of docs/BENCHMARKS.md:
//
//	(a) votes      every socket votes once within -spread; the presenter's counts final after the last vote
//	(b) reactions  a slide change with the audience idle and while every socket reacts -rate times a second
//	(c) heartbeat  the server's CPU with pings every -ping, the deck without and with the heartbeat's slide
func cmdInteract(args []string) error {
	cfg, err := newInteractConfig(args)
	if err != nil { // a bad flag: exit 2, as the other commands' flag sets do
		fmt.Fprintf(os.Stderr, "wtbench interact: %v\n(wtbench interact -h lists the flags)\n", err)
		os.Exit(2)
	}
	if cfg.in != "" { // the section again from saved results
		b, err := os.ReadFile(cfg.in)
		if err != nil {
			return err
		}
		var res interactResults
		if err := json.Unmarshal(b, &res); err != nil {
			return err
		}
		return writeInteractSection(cfg.out, &res)
	}
	res := &interactResults{Env: collectEnv(cfg.benchDir), Started: time.Now().UTC(), N: cfg.n, Command: "wtbench interact " + strings.Join(args, " "),
		Warmup: cfg.warmup, ServerCPU: cfg.serverCPU, ClientsCPU: cfg.clientsCPU}
	var failed []string
	for _, w := range []string{"votes", "reactions", "heartbeat"} {
		if !cfg.only[w] {
			continue
		}
		logf("[interact %s] %d sockets; load average %s", w, cfg.n, loadAvg())
		load := phaseLoad{Before: loadAvg(), Start: time.Now().UTC()}
		r, err := cfg.phase(w)
		load.After, load.End = loadAvg(), time.Now().UTC()
		if err != nil {
			logf("FAILED %s: %v", w, err)
			failed = append(failed, fmt.Sprintf("%s: %v", w, err))
			continue
		}
		switch w {
		case "votes":
			res.Votes, res.VotesLoad = r.Votes, load
		case "reactions":
			res.Reactions, res.ReactionsLoad = r.Reactions, load
		case "heartbeat":
			r.Heartbeat.PingMS = ms(cfg.ping)
			res.Heartbeat, res.HeartbeatLoad = r.Heartbeat, load
		}
		logf("[interact %s] %s", w, summaryLine(res, w))
	}
	res.Finished = time.Now().UTC()
	res.Failures = failed
	if err := saveJSON(cfg.save, res); err != nil {
		return err
	}
	logf("results in %s", cfg.save)
	if cfg.out != "" {
		if err := writeInteractSection(cfg.out, res); err != nil {
			return err
		}
		logf("section 7 of %s written", cfg.out)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d workload(s) failed: %s", len(failed), strings.Join(failed, "; "))
	}
	return nil
}

// interactConfig is how "wtbench interact" measures, from its flags.
type interactConfig struct {
	n                     int
	only                  map[string]bool
	serverCPU, clientsCPU string // taskset CPU lists
	warmup                int
	voteRounds            int
	spread                time.Duration
	pairs                 int // reactions: pairs of rounds
	rate                  float64
	settle                time.Duration
	windows               int // heartbeat: pairs of windows
	window                time.Duration
	ping                  time.Duration
	hbSettle              time.Duration
	save, out, in         string
	prof                  string // votes: the server's CPU profile
	exe, benchDir         string
}

// newInteractConfig parses the flags of "wtbench interact".
func newInteractConfig(args []string) (*interactConfig, error) {
	fs := flag.NewFlagSet("interact", flag.ContinueOnError)
	cfg := &interactConfig{}
	fs.IntVar(&cfg.n, "n", 10000, "audience sockets (at most about 19,900: one clients process holds them)")
	only := fs.String("only", "votes,reactions,heartbeat", "workloads to run")
	fs.StringVar(&cfg.serverCPU, "server-cpu", "1", "CPUs of the server process (taskset -c; \"\" for none)")
	fs.StringVar(&cfg.clientsCPU, "clients-cpu", "0", "CPUs of the clients process (taskset -c; \"\" for none)")
	fs.IntVar(&cfg.warmup, "warmup", 1, "untimed rounds (pairs, windows) first")
	fs.IntVar(&cfg.voteRounds, "vote-rounds", 7, "votes: timed rounds, each socket voting once in each")
	fs.DurationVar(&cfg.spread, "spread", 10*time.Second, "votes: a round's votes are spread evenly over this")
	fs.IntVar(&cfg.pairs, "pairs", 20, "reactions: pairs of slide changes, one idle and one while reacting")
	fs.Float64Var(&cfg.rate, "rate", 2, "reactions: a second, per socket")
	fs.DurationVar(&cfg.settle, "settle", time.Second, "reactions: wait after the reactions start or stop before a slide change")
	fs.IntVar(&cfg.windows, "windows", 8, "heartbeat: pairs of CPU windows, one without and one with the heartbeat's slide")
	fs.DurationVar(&cfg.window, "window", 5*time.Second, "heartbeat: each CPU window (and votes: the idle window)")
	fs.DurationVar(&cfg.ping, "ping", 3*time.Second, "heartbeat: the server's ping interval (also its pong timeout: a pong later than this drops the socket)")
	fs.DurationVar(&cfg.hbSettle, "hb-settle", 2*time.Second, "heartbeat: wait after a deck reload before a window")
	fs.StringVar(&cfg.save, "save", "bin/interact.json", "where to save the raw results")
	fs.StringVar(&cfg.out, "out", "", "report whose section 7 to write (\"-\" for none; default: docs/BENCHMARKS.md of the repository)")
	fs.StringVar(&cfg.prof, "prof", "", "votes: write the server's CPU profile over the rounds to this file")
	fs.StringVar(&cfg.in, "in", "", "write section 7 from these saved results, and measure nothing")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.n < 1 || cfg.n > 19900 {
		return nil, fmt.Errorf("-n %d: from 1 to 19,900 sockets", cfg.n)
	}
	if cfg.voteRounds < 1 || cfg.pairs < 1 || cfg.windows < 1 || cfg.warmup < 0 {
		return nil, fmt.Errorf("-vote-rounds, -pairs and -windows must be at least 1, -warmup at least 0")
	}
	if cfg.rate <= 0 || cfg.rate > 10 {
		return nil, fmt.Errorf("-rate %g: above 0, and at most the server's 10 messages a second per socket", cfg.rate)
	}
	cfg.only = map[string]bool{}
	for w := range strings.SplitSeq(*only, ",") {
		switch w = strings.TrimSpace(w); w {
		case "votes", "reactions", "heartbeat":
			cfg.only[w] = true
		default:
			return nil, fmt.Errorf("-only: unknown workload %q (votes, reactions, heartbeat)", w)
		}
	}
	var err error
	if cfg.benchDir, err = findBenchDir(); err != nil {
		return nil, err
	}
	switch cfg.out {
	case "-":
		cfg.out = ""
	case "":
		cfg.out = filepath.Join(cfg.benchDir, "..", "docs", "BENCHMARKS.md")
	}
	if !filepath.IsAbs(cfg.save) {
		cfg.save = filepath.Join(cfg.benchDir, cfg.save)
	}
	cfg.exe, err = os.Executable()
	return cfg, err
}

// phase runs workload w: a hub server presenting interactDeck, and a
// clients process.
func (cfg *interactConfig) phase(w string) (clientsResult, error) {
	var res clientsResult
	dir, err := os.MkdirTemp("", "wtbench-interact-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	deck := filepath.Join(dir, "deck.md")
	if err := writeDeck(deck, true); err != nil {
		return res, err
	}
	serverArgs := []string{"server", "-lib", "hub", "-deck", deck, "-log"}
	if w == "heartbeat" {
		serverArgs = append(serverArgs, "-ping", cfg.ping.String())
	}
	s, err := startServer(command(cfg.serverCPU, cfg.exe, serverArgs...))
	if err != nil {
		return res, err
	}
	defer s.stop()
	args := []string{"clients", "-mode", w, "-ws", s.addrs.WS, "-ctl", s.addrs.Ctl, "-path", "/ws",
		"-n", strconv.Itoa(cfg.n), "-devices", "-presenter", hubKey, "-initial", "5", "-warmup", strconv.Itoa(cfg.warmup)}
	var took time.Duration // what the workload should take, roughly
	switch w {
	case "votes":
		args = append(args, "-rounds", strconv.Itoa(cfg.voteRounds), "-spread", cfg.spread.String(), "-window", cfg.window.String())
		took = time.Duration(cfg.warmup+cfg.voteRounds+1) * (cfg.spread + 2*time.Second)
		if cfg.prof != "" {
			prof, err := filepath.Abs(cfg.prof)
			if err != nil {
				return res, err
			}
			args = append(args, "-prof", prof)
		}
	case "reactions":
		args = append(args, "-rounds", strconv.Itoa(cfg.pairs), "-rate", strconv.FormatFloat(cfg.rate, 'g', -1, 64), "-settle", cfg.settle.String())
		took = time.Duration(2*(cfg.warmup+cfg.pairs)) * (cfg.settle + time.Second)
	case "heartbeat":
		args = append(args, "-rounds", strconv.Itoa(cfg.windows), "-pongs", "-deck", deck, "-window", cfg.window.String(), "-settle", cfg.hbSettle.String())
		took = time.Duration(2*(cfg.warmup+cfg.windows)) * (cfg.window + cfg.hbSettle + time.Second)
	}
	err = runJSON(context.Background(), 2*time.Minute+2*took, &res, command(cfg.clientsCPU, cfg.exe, args...))
	return res, err
}

// interactResults is what one "wtbench interact" measured.
type interactResults struct {
	Env           envInfo          `json:"env"`
	Started       time.Time        `json:"started"`
	Finished      time.Time        `json:"finished"`
	Command       string           `json:"command"`
	N             int              `json:"n"`
	Warmup        int              `json:"warmup"`      // untimed rounds, pairs or windows first
	ServerCPU     string           `json:"server_cpu"`  // taskset -c of the server process
	ClientsCPU    string           `json:"clients_cpu"` // and of the clients process
	Votes         *votesResult     `json:"votes,omitempty"`
	VotesLoad     phaseLoad        `json:"votes_load"`
	Reactions     *reactionsResult `json:"reactions,omitempty"`
	ReactionsLoad phaseLoad        `json:"reactions_load"`
	Heartbeat     *heartbeatResult `json:"heartbeat,omitempty"`
	HeartbeatLoad phaseLoad        `json:"heartbeat_load"`
	Failures      []string         `json:"failures,omitempty"`
}

// phaseLoad is the machine's load average (/proc/loadavg: 1, 5 and 15
// minutes) before and after a workload.
type phaseLoad struct {
	Before string    `json:"before"`
	After  string    `json:"after"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
}

// loadAvg returns the three load averages of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
