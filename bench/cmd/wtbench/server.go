package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"wiretalk/bench/internal/libs"
)

// broadcastPayload is the message of the broadcast workload: 200 bytes of
// JSON text, the size of a slide change.
var broadcastPayload = func() []byte {
	b := []byte(`{"type":"state","deck":"bench","index":1,"pad":"`)
	b = append(b, bytes.Repeat([]byte{'x'}, 200-len(b)-2)...)
	return append(b, `"}`...)
}()

// serverAddrs is the line a server prints when it is ready.
type serverAddrs struct {
	WS  string `json:"ws"`  // the WebSocket listener
	Ctl string `json:"ctl"` // the control port
}

// memStats is the answer to "mem".
type memStats struct {
	HeapInuse  uint64 `json:"heap_inuse"`
	StackInuse uint64 `json:"stack_inuse"`
	HeapAlloc  uint64 `json:"heap_alloc"`
	RSS        uint64 `json:"rss"`
	Goroutines int    `json:"goroutines"`
	Conns      int    `json:"conns"`
}

func cmdServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	lib := fs.String("lib", "wiretalk", "library: "+strings.Join(append(libs.Names, "hub"), ", "))
	mode := fs.String("mode", "broadcast", "echo, broadcast or idle")
	var hub hubOptions
	fs.StringVar(&hub.deck, "deck", "", "hub: the deck's file (default: the embedded talk)")
	fs.BoolVar(&hub.log, "log", false, "hub: the server's log on stderr")
	fs.DurationVar(&hub.ping, "ping", 0, "hub: the heartbeat's ping interval (default: an hour, as good as none)")
	fs.Parse(args)
	if _, err := raiseNoFile(); err != nil {
		return err
	}
	var srv libs.Server
	var err error
	if *lib == "hub" {
		srv, err = newHubServer(hub)
	} else {
		srv, err = libs.New(*lib, libs.Mode(*mode))
	}
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctl, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() {
		err := srv.Serve(ln)
		fmt.Fprintf(os.Stderr, "wtbench server: %v\n", err)
		os.Exit(1)
	}()
	line, _ := json.Marshal(serverAddrs{WS: ln.Addr().String(), Ctl: ctl.Addr().String()})
	fmt.Printf("%s\n", line)
	c := &control{srv: srv}
	for {
		nc, err := ctl.Accept()
		if err != nil {
			return err
		}
		go c.serve(nc)
	}
}

// control answers the commands of the control port.
type control struct {
	srv  libs.Server
	mu   sync.Mutex // one command at a time, across control connections
	prof *os.File
}

func (c *control) serve(nc net.Conn) {
	defer nc.Close()
	r := bufio.NewReader(nc)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		reply, err := c.do(strings.Fields(line))
		if err != nil {
			reply = "error: " + err.Error()
		}
		if reply != "" {
			if _, err := nc.Write([]byte(reply + "\n")); err != nil {
				return
			}
		}
	}
}

func (c *control) do(cmd []string) (string, error) {
	if len(cmd) == 0 {
		return "", nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch cmd[0] {
	case "b": // no reply: the clients time the broadcast themselves
		c.srv.Broadcast(broadcastPayload)
		return "", nil
	case "count":
		return strconv.Itoa(c.srv.Conns()), nil
	case "cpu": // the CPU time the process has used, user and system, in ns
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return "", err
		}
		return strconv.FormatInt(ru.Utime.Nano()+ru.Stime.Nano(), 10), nil
	case "mem":
		b, err := json.Marshal(readMem(c.srv.Conns()))
		return string(b), err
	case "reload": // the hub reads its deck's file again
		r, ok := c.srv.(interface{ Reload() })
		if !ok {
			return "", errors.New("this server has no deck to reload")
		}
		r.Reload()
		return "ok", nil
	case "prof":
		return c.profile(cmd[1:])
	case "heap": // heap FILE: a heap profile of what is live now
		if len(cmd) != 2 {
			return "", errors.New("usage: heap FILE")
		}
		runtime.GC()
		f, err := os.Create(cmd[1])
		if err != nil {
			return "", err
		}
		defer f.Close()
		return "ok", pprof.Lookup("heap").WriteTo(f, 0)
	case "quit":
		if c.prof != nil {
			pprof.StopCPUProfile()
			c.prof.Close()
		}
		if cl, ok := c.srv.(io.Closer); ok { // the hub's temporary folder
			cl.Close()
		}
		os.Exit(0)
	}
	return "", fmt.Errorf("unknown command %q", cmd[0])
}

func (c *control) profile(args []string) (string, error) {
	switch {
	case len(args) == 2 && args[0] == "start" && c.prof == nil:
		f, err := os.Create(args[1])
		if err != nil {
			return "", err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return "", err
		}
		c.prof = f
		return "ok", nil
	case len(args) == 1 && args[0] == "stop" && c.prof != nil:
		pprof.StopCPUProfile()
		err := c.prof.Close()
		c.prof = nil
		return "ok", err
	}
	return "", errors.New("usage: prof start FILE | prof stop")
}

// readMem collects garbage, returns freed memory to the system and reads
// the heap, the goroutine stacks and the resident set.
func readMem(conns int) memStats {
	runtime.GC()
	debug.FreeOSMemory() // a second collection, and the scavenger's work
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memStats{
		HeapInuse:  ms.HeapInuse,
		StackInuse: ms.StackInuse,
		HeapAlloc:  ms.HeapAlloc,
		RSS:        rss(),
		Goroutines: runtime.NumGoroutine(),
		Conns:      conns,
	}
}

// rss reads the resident set size from /proc/self/statm.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}
