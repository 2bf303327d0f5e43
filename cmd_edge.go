package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"

	"wiretalk/relay"
	"wiretalk/server"
)

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
	lf := addListenFlags(fs, "`address` to listen on")
	name := fs.String("name", "", "this edge's `name` in the presenter's audience counts (default: host name and port)")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(e, fs, "an edge takes no deck: it serves the presenter's (got %q)", fs.Arg(0))
	}
	if err := rf.check(true); err != nil {
		return usageError(e, fs, "%v", err)
	}
	if err := lf.check(); err != nil {
		return usageError(e, fs, "%v", err)
	}
	if *name != "" {
		if relay.CheckTalk(*name) != nil {
			return usageError(e, fs, "-name %q: use letters, digits, - and _", *name)
		}
	}
	fail := failer(e, "edge")
	logf := logger(e)

	ln, err := lf.listen()
	if err != nil {
		return fail("%v", err)
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
		AllowOrigins: lf.origins,
		MaxConns:     *lf.maxConns,
		PingInterval: *lf.ping,
		Logf:         logf,
	}, follower, first)
	if err != nil {
		return fail("%v", err)
	}
	follower.Serve(srv)
	fmt.Fprintf(e.stdout, "wiretalk edge %s is serving talk %q (%s)\n\nAudience: %s://%s/\n\nPress Ctrl-C to stop.\n",
		*name, *rf.talk, first.Deck.Title, ln.scheme, ln.Addr())

	hs := srv.HTTPServer(*lf.addr, ln.tls)
	err = serveUntilStopped(e, "edge", hs, ln, func(ctx context.Context) {
		srv.Shutdown(ctx)
		hs.Shutdown(ctx)
	})
	if err != nil {
		return fail("%v", err)
	}
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
