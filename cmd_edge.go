package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"wiretalk/relay"
	"wiretalk/server"
)

func edgeCommand() command {
	return command{
		name:    "edge",
		summary: "serve the audience of a talk presented elsewhere, following it through NATS",
		run:     runEdge,
	}
}

// relayFlags are the flags that reach the broker, for serve and edge.
type relayFlags struct {
	url, talk           *string
	nkey, ca, cert, key *string
}

func addRelayFlags(fs *flag.FlagSet, urlUsage string) *relayFlags {
	return &relayFlags{
		url:  fs.String("relay", "", urlUsage),
		talk: fs.String("talk", "", "the talk's `name` on the broker (letters, digits, - and _): the same on the presenter and its edges"),
		nkey: fs.String("relay-nkey", "", "nkey seed `file` to authenticate to the broker with"),
		ca:   fs.String("relay-ca", "", "PEM `file` of the roots that sign the broker's TLS certificate"),
		cert: fs.String("relay-cert", "", "client certificate `file` (PEM) for TLS to the broker, with -relay-key"),
		key:  fs.String("relay-key", "", "client key `file` (PEM) for TLS to the broker, with -relay-cert"),
	}
}

// check validates the relay flags; needURL says the command cannot run
// without -relay.
func (r *relayFlags) check(needURL bool) error {
	switch {
	case *r.url == "" && needURL:
		return errors.New("-relay nats://HOST:4222 is required")
	case *r.url == "":
		if *r.talk != "" || *r.nkey != "" || *r.ca != "" || *r.cert != "" || *r.key != "" {
			return errors.New("-talk and the -relay-* flags go with -relay")
		}
		return nil
	case *r.talk == "":
		return errors.New("-relay needs -talk NAME")
	}
	if (*r.cert == "") != (*r.key == "") {
		return errors.New("-relay-cert and -relay-key go together")
	}
	return relay.CheckTalk(*r.talk)
}

func (r *relayFlags) options(logf func(string, ...any)) relay.Options {
	return relay.Options{
		URL: *r.url, Talk: *r.talk,
		NKeySeedFile: *r.nkey, CAFile: *r.ca, CertFile: *r.cert, KeyFile: *r.key,
		Logf: logf,
	}
}

func runEdge(e *env, args []string) int {
	fs := newFlagSet("edge", "wiretalk edge -relay nats://HOST:4222 -talk NAME [flags]",
		"Serves the audience of a talk that \"wiretalk serve -relay … -talk NAME\" presents on\n"+
			"another machine: the audience pages, the deck and its images, study mode and the\n"+
			"inspector, following the presenter through the NATS broker. It has no deck file\n"+
			"and no presenter console (/presenter answers 404). Put several behind a load\n"+
			"balancer for a large audience (docs/deploy.md).")
	rf := addRelayFlags(fs, "the NATS broker's `URL` (nats://HOST:4222, or tls://; user:password@ allowed)")
	addr := fs.String("addr", ":8000", "`address` to listen on")
	name := fs.String("name", "", "this edge's `name` in the presenter's audience counts (default: host name and port)")
	var origins stringList
	fs.Var(&origins, "allow-origin", "also accept sockets from this `origin` (e.g. https://talks.example.org); repeatable")
	maxConns := fs.Int("max-conns", 10000, "most audience and inspector `sockets` at once; more get 503")
	tlsCert := fs.String("tls-cert", "", "TLS certificate `file` (PEM): serve https and wss")
	tlsKey := fs.String("tls-key", "", "TLS private key `file` (PEM), with -tls-cert")
	ping := fs.Duration("ping", 15*time.Second, "heartbeat `interval`: phones that vanish are dropped within two")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(e, fs, "an edge takes no deck: it serves the presenter's (got %q)", fs.Arg(0))
	}
	if err := rf.check(true); err != nil {
		return usageError(e, fs, "%v", err)
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
	if *name != "" {
		if relay.CheckTalk(*name) != nil {
			return usageError(e, fs, "-name %q: use letters, digits, - and _", *name)
		}
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(e.stderr, "wiretalk edge: "+format+"\n", args...)
		return exitFail
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
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
	defer ln.Close()
	if *name == "" {
		*name = defaultEdgeName(ln.Addr().(*net.TCPAddr).Port)
	}

	follower, err := relay.Follow(e.ctx, rf.options(logf), *name)
	if err != nil {
		return fail("%v", err)
	}
	defer follower.Close()
	logf("edge %s: waiting for the state of talk %q", *name, *rf.talk)
	first, err := follower.Ready(e.ctx)
	if err != nil {
		if e.ctx.Err() != nil {
			return exitOK // Ctrl-C while waiting
		}
		return fail("%v", err)
	}
	srv, err := server.NewEdge(server.Config{
		AllowOrigins: origins,
		MaxConns:     *maxConns,
		PingInterval: *ping,
		Logf:         logf,
	}, follower, first)
	if err != nil {
		return fail("%v", err)
	}
	follower.Serve(srv)
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	fmt.Fprintf(e.stdout, "wiretalk edge %s is serving talk %q (%s)\n\nAudience: %s://%s/\n\nPress Ctrl-C to stop.\n",
		*name, *rf.talk, first.Deck.Title, scheme, ln.Addr())

	hs := srv.HTTPServer(*addr, tlsConfig)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fail("%v", err)
	case <-e.ctx.Done():
	}
	fmt.Fprintln(e.stderr, "wiretalk edge: shutting down")
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	srv.Shutdown(shutdownCtx)
	hs.Shutdown(shutdownCtx)
	return exitOK
}

// defaultEdgeName is the host's name and the port, as a subject token.
func defaultEdgeName(port int) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "edge"
	}
	host, _, _ = strings.Cut(host, ".")
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, host)
	return fmt.Sprintf("%.50s-%d", host, port)
}
