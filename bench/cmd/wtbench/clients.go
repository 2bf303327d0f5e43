package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
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

	// The audience workloads (clients_interact.go).
	devices bool          // each socket a phone of its own: a device cookie and the page's Origin
	pongs   bool          // the sockets answer pings
	spread  time.Duration // votes: every socket votes once within this
	window  time.Duration // votes: the idle CPU window; heartbeat: each CPU window
	settle  time.Duration // reactions, heartbeat: wait after a change before measuring
	rate    float64       // reactions: a second, per socket
	deck    string        // heartbeat: the server's deck file, rewritten with and without the heartbeat
}

func cmdClients(args []string) error {
	fs := flag.NewFlagSet("clients", flag.ExitOnError)
	var cfg clientsConfig
	ws := fs.String("ws", "", "the server's WebSocket address (echo-cycles: every server's, separated by commas)")
	ctl := fs.String("ctl", "", "the server's control address")
	fs.StringVar(&cfg.mode, "mode", "broadcast", "broadcast, idle, echo, echo-cycles (several servers in turn), rounds (a tournament's: commands on stdin), or the audience's votes, reactions, heartbeat (with -lib hub: see wtbench interact)")
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
	fs.StringVar(&cfg.profFile, "prof", "", "the server's CPU profile file (with -prof-n; votes: over all the rounds)")
	fs.DurationVar(&cfg.hold, "hold", 0, "idle: keep the sockets open this long at the end (for a heap profile: send \"heap FILE\" to the control port)")
	fs.BoolVar(&cfg.devices, "devices", false, "each socket sends a wiretalk_device cookie of its own and the page's Origin")
	fs.BoolVar(&cfg.pongs, "pongs", false, "the sockets answer pings")
	fs.DurationVar(&cfg.spread, "spread", 10*time.Second, "votes: every socket votes once within this")
	fs.DurationVar(&cfg.window, "window", 5*time.Second, "votes: the idle CPU window; heartbeat: each CPU window")
	fs.DurationVar(&cfg.settle, "settle", time.Second, "reactions, heartbeat: wait after a change before measuring")
	fs.Float64Var(&cfg.rate, "rate", 2, "reactions: a second, per socket")
	fs.StringVar(&cfg.deck, "deck", "", "heartbeat: the server's deck file")
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
	case "votes":
		res.Votes, err = runVotes(cfg, int(maxFD))
	case "reactions":
		res.Reactions, err = runReactions(cfg, int(maxFD))
	case "heartbeat":
		res.Heartbeat, err = runHeartbeat(cfg, int(maxFD))
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
