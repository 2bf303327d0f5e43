package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"time"
)

// cmdPair runs one server and one clients process, for a look at a single
// case: wtbench pair -lib L -mode M [-cpu 1] -- CLIENT FLAGS.
func cmdPair(args []string) error {
	fs := flag.NewFlagSet("pair", flag.ExitOnError)
	lib := fs.String("lib", "wiretalk", "library")
	mode := fs.String("mode", "broadcast", "server mode")
	cpu := fs.String("cpu", "", "pin both processes to these CPUs (taskset -c)")
	fs.Parse(args)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cfg := &runConfig{exe: exe}
	res, err := cfg.pair(*cpu, *lib, *mode, fs.Args()...)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// pair runs a server of lib in mode and a clients process against it.
func (cfg *runConfig) pair(cpus, lib, mode string, clientArgs ...string) (clientsResult, error) {
	var res clientsResult
	s, err := startServer(command(cpus, cfg.exe, "server", "-lib", lib, "-mode", mode))
	if err != nil {
		return res, err
	}
	defer s.stop()
	args := append([]string{"clients", "-ws", s.addrs.WS, "-ctl", s.addrs.Ctl}, clientArgs...)
	err = runJSON(context.Background(), 4*time.Minute, &res, command(cpus, cfg.exe, args...))
	return res, err
}
