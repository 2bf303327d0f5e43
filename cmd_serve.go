package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"wiretalk/demo"
	"wiretalk/export"
	"wiretalk/relay"
	"wiretalk/server"
)

func runServe(e *env, args []string) int {
	fs := newFlagSet("serve", "wiretalk serve [flags] [DECK.md]",
		"Presents DECK.md (a Markdown deck in remark's dialect), or wiretalk's own talk\n"+
			"about WebSockets when no deck is given. The audience opens the printed URL on\n"+
			"their phones and follows the presenter; edits to the deck reload every page.")
	lf := addListenFlags(fs, "`address` to listen on (all interfaces by default, so phones can join)")
	key := fs.String("key", "", "presenter `key` (default: a random 128-bit key, printed at start)")
	study := fs.Bool("study", false, "self-study: everyone steps freely through the talk, notes shown as a transcript")
	noState := fs.Bool("no-state", false, "do not resume at the slide where the talk was, nor keep the audience's votes and questions, across a restart")
	moderate := fs.Bool("moderate", false, "hold the audience's questions until the presenter approves each")
	resultsFile := fs.String("results", "", "write the polls' and questions' results as JSON to `file` when the server shuts down")
	duration := fs.Duration("duration", 0, "the talk's planned `length` (e.g. 30m), for the presenter's time left and pacing")
	rf := addRelayFlags(fs, "also publish the talk to the NATS broker at `URL` (nats://HOST:4222), for \"wiretalk edge\" servers")
	deflate := fs.Bool("deflate", false, "accept permessage-deflate (RFC 7692) on the live sockets; off by default, as Safari mishandles it")
	record := fs.String("record", "", "record the presenter's inspector session on the Demo slide to this `file`, for export -replay")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	if err := rf.check(false); err != nil {
		return usageError(e, fs, "%v", err)
	}
	if fs.NArg() > 1 {
		return usageError(e, fs, "one deck at most, got %d arguments", fs.NArg())
	}
	if err := lf.check(); err != nil {
		return usageError(e, fs, "%v", err)
	}
	if *duration < 0 || *duration > 24*time.Hour {
		return usageError(e, fs, "-duration must be between 0 and 24h, got %v", *duration)
	}
	fail := failer(e, "serve")

	presenterKey := *key
	if presenterKey == "" {
		presenterKey = server.NewKey()
	}
	logf := logger(e)
	var recordTo func() demo.Tee
	if *record != "" {
		if err := export.CheckRecordingFile(*record); err != nil {
			return fail("%v", err)
		}
		recordTo = func() demo.Tee { return export.NewRecorder(*record, logf) }
	}

	srv, err := server.New(server.Config{
		Deck:         fs.Arg(0),
		Key:          presenterKey,
		Study:        *study,
		AllowOrigins: lf.origins,
		MaxConns:     *lf.maxConns,
		PingInterval: *lf.ping,
		Duration:     *duration,
		NoState:      *noState,
		Moderate:     *moderate,
		Deflate:      *deflate,
		Record:       recordTo,
		Logf:         logf,
	})
	if err != nil {
		return fail("%v", err)
	}
	if *rf.url != "" {
		// The relay carries the talk's state only: the key stays here.
		pub, err := relay.Publish(e.ctx, rf.options(logf), srv)
		if err != nil {
			return fail("%v", err)
		}
		defer pub.Close()
	}

	ln, err := lf.listen()
	if err != nil {
		return fail("%v", err)
	}
	printURLs(e.stdout, ln.scheme, ln.Addr().(*net.TCPAddr), presenterKey, srv.DeckPath())

	hs := srv.HTTPServer(*lf.addr, ln.tls)
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	go srv.Watch(ctx)
	err = serveUntilStopped(e, "serve", hs, ln, func(ctx context.Context) {
		srv.Shutdown(ctx)
		hs.Shutdown(ctx)
	})
	if err != nil {
		return fail("%v", err)
	}
	if *resultsFile != "" {
		if err := srv.WriteResults(*resultsFile); err != nil {
			return fail("cannot write the results: %v", err)
		}
		fmt.Fprintf(e.stderr, "wiretalk serve: results written to %s\n", *resultsFile)
	}
	return exitOK
}

// printURLs prints where the audience and the presenter go: an audience
// URL for each non-loopback IPv4 address, a QR code of the first, and
// the presenter URL on localhost with the key.
func printURLs(w io.Writer, scheme string, addr *net.TCPAddr, key, deck string) {
	port := strconv.Itoa(addr.Port)
	if deck == "" {
		deck = "the built-in talk"
	}
	fmt.Fprintf(w, "wiretalk is presenting %s\n\n", deck)
	var urls []string
	if addr.IP.IsUnspecified() {
		for _, ip := range server.ListenAddrs() {
			urls = append(urls, scheme+"://"+ip.String()+":"+port+"/")
		}
	} else if !addr.IP.IsLoopback() {
		urls = append(urls, scheme+"://"+net.JoinHostPort(addr.IP.String(), port)+"/")
	}
	if len(urls) == 0 {
		fmt.Fprintf(w, "Audience:  %s://localhost:%s/  (this machine only: listen on all interfaces with -addr :%s)\n", scheme, port, port)
	} else {
		fmt.Fprintln(w, "Audience (open on a phone on the same network):")
		for _, u := range urls {
			fmt.Fprintf(w, "  %s\n", u)
		}
		fmt.Fprintln(w)
		if qr, err := terminalQR(urls[0]); err == nil {
			io.WriteString(w, qr)
		}
	}
	host := "localhost"
	if !addr.IP.IsUnspecified() && !addr.IP.IsLoopback() {
		host = addr.IP.String()
	}
	fmt.Fprintf(w, "\nPresenter: %s://%s/presenter?key=%s\n", scheme, net.JoinHostPort(host, port), key)
	fmt.Fprintln(w, "\nPress Ctrl-C to stop.")
}

// stringList is a repeatable (or comma-separated) string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}
