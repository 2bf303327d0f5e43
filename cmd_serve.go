package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"wiretalk/demo"
	"wiretalk/export"
	"wiretalk/relay"
	"wiretalk/server"
)

func serveCommand() command {
	return command{
		name:    "serve",
		summary: "present a talk live: the presenter drives, phones follow (the default)",
		run:     runServe,
	}
}

func runServe(e *env, args []string) int {
	fs := newFlagSet("serve", "wiretalk serve [flags] [DECK.md]",
		"Presents DECK.md (a Markdown deck in remark's dialect), or wiretalk's own talk\n"+
			"about WebSockets when no deck is given. The audience opens the printed URL on\n"+
			"their phones and follows the presenter; edits to the deck reload every page.")
	addr := fs.String("addr", ":8000", "`address` to listen on (all interfaces by default, so phones can join)")
	key := fs.String("key", "", "presenter `key` (default: a random 128-bit key, printed at start)")
	study := fs.Bool("study", false, "self-study: everyone steps freely through the talk, notes shown as a transcript")
	var origins stringList
	fs.Var(&origins, "allow-origin", "also accept sockets from this `origin` (e.g. https://talks.example.org); repeatable")
	maxConns := fs.Int("max-conns", 10000, "most audience and inspector `sockets` at once; more get 503")
	tlsCert := fs.String("tls-cert", "", "TLS certificate `file` (PEM): serve https and wss")
	tlsKey := fs.String("tls-key", "", "TLS private key `file` (PEM), with -tls-cert")
	ping := fs.Duration("ping", 15*time.Second, "heartbeat `interval`: phones that vanish are dropped within two")
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
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageError(e, fs, "-tls-cert and -tls-key go together")
	}
	if *maxConns <= 0 {
		return usageError(e, fs, "-max-conns must be positive")
	}
	if *ping <= 0 {
		return usageError(e, fs, "-ping must be positive")
	}
	if *duration < 0 || *duration > 24*time.Hour {
		return usageError(e, fs, "-duration must be between 0 and 24h, got %v", *duration)
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(e.stderr, "wiretalk serve: "+format+"\n", args...)
		return exitFail
	}

	presenterKey := *key
	if presenterKey == "" {
		presenterKey = server.NewKey()
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
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
		AllowOrigins: origins,
		MaxConns:     *maxConns,
		PingInterval: *ping,
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

	var tlsConfig *tls.Config
	scheme := "http"
	if *tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return fail("cannot load the TLS certificate: %v", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fail("%s is already in use; pick another port with -addr", *addr)
		}
		return fail("cannot listen on %s: %v", *addr, err)
	}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	printURLs(e.stdout, scheme, ln.Addr().(*net.TCPAddr), presenterKey, srv.DeckPath())

	hs := srv.HTTPServer(*addr, tlsConfig)
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	go srv.Watch(ctx)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	select {
	case err := <-served:
		return fail("%v", err)
	case <-e.ctx.Done():
	}
	fmt.Fprintln(e.stderr, "wiretalk serve: shutting down")
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	srv.Shutdown(shutdownCtx)
	hs.Shutdown(shutdownCtx)
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
