// Command wtbench measures wiretalk's WebSocket protocol package against
// the best Go WebSocket libraries on this machine, and writes
// docs/BENCHMARKS.md.
//
// From bench/, the one command is
//
//	go run ./cmd/wtbench run
//
// which starts the other subcommands as processes of their own:
//
//	wtbench server  -lib L -mode echo|broadcast|idle   one library serving
//	wtbench clients -ws ADDR -ctl ADDR -mode ...        the raw clients
//	wtbench run                                         everything, then the report
//	wtbench report  -in results.json                    the report again from saved results
//	wtbench ab      -a L1 -b L2 [-exe-b OLD] [-mode M]  two servers side by side
//	wtbench interact -n 10000                           the audience's votes, reactions and heartbeat
//
// A server prints its addresses as one JSON line and then takes commands,
// one per line, on its control port: "count", "b" (broadcast), "mem",
// "cpu", "prof start FILE", "prof stop", "heap FILE", "reload" (the hub:
// read the deck again) and "quit". The clients process drives the
// workload through that port and prints its results as JSON.
package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "server":
		err = cmdServer(args)
	case "clients":
		err = cmdClients(args)
	case "run":
		err = cmdRun(args)
	case "report":
		err = cmdReport(args)
	case "pair":
		err = cmdPair(args)
	case "ab":
		err = cmdAB(args)
	case "micro":
		err = cmdMicro(args)
	case "page":
		err = cmdPage(args)
	case "interact":
		err = cmdInteract(args)
	case "help", "-h", "-help", "--help":
		usage()
		return
	default:
		fmt.Fprintf(os.Stderr, "wtbench: unknown command %q\n", cmd)
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "wtbench %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: wtbench COMMAND [flags]

  run      run every benchmark and rewrite docs/BENCHMARKS.md (from bench/: go run ./cmd/wtbench run)
  report   rewrite docs/BENCHMARKS.md from saved results (-in)
  server   serve one library (-lib, -mode); started by run
  clients  the raw clients (-mode broadcast|idle|echo|echo-cycles|rounds); started by run
  pair     one server and one clients process, for a look at one case (pair -lib L -mode M -- CLIENT FLAGS)
  ab       two servers side by side: broadcasts round by round, or echoes cycle by cycle
           (ab -a L1 -b L2 [-exe-b OTHER-WTBENCH] [-mode broadcast|echo])
  micro    the in-process benchmarks (masking, read, write) as JSON
  page     the audience page's weight in headless Chromium
  interact the audience talking back (issue 18): votes, reactions and the heartbeat at -n sockets,
           into section 7 of docs/BENCHMARKS.md (from bench/: go run ./cmd/wtbench interact -n 10000)

"wtbench COMMAND -h" lists a command's flags.
`)
}

// raiseNoFile lifts the soft limit on open files to the hard limit: a
// process holds up to 10,000 sockets.
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}
