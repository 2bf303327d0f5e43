package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

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
			return nil, fmt.Errorf("at N=%d: %w", n, err)
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
				return nil, fmt.Errorf("at N=%d round %d: %w", n, i, err)
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
