package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"
)

// listenFlags are the flags with which serve and edge choose where they
// listen, over what, and how many sockets they keep.
type listenFlags struct {
	addr            *string
	origins         stringList
	maxConns        *int
	tlsCert, tlsKey *string
	ping            *time.Duration
}

// addListenFlags defines the listening flags on fs; addrUsage describes
// -addr, whose default is :8000 (all interfaces).
func addListenFlags(fs *flag.FlagSet, addrUsage string) *listenFlags {
	l := &listenFlags{
		addr:     fs.String("addr", ":8000", addrUsage),
		maxConns: fs.Int("max-conns", 10000, "most audience and inspector `sockets` at once; more get 503"),
		tlsCert:  fs.String("tls-cert", "", "TLS certificate `file` (PEM): serve https and wss"),
		tlsKey:   fs.String("tls-key", "", "TLS private key `file` (PEM), with -tls-cert"),
		ping:     fs.Duration("ping", 15*time.Second, "heartbeat `interval`: phones that vanish are dropped within two"),
	}
	fs.Var(&l.origins, "allow-origin", "also accept sockets from this `origin` (e.g. https://talks.example.org); repeatable")
	return l
}

// check validates the listening flags, for usageError.
func (l *listenFlags) check() error {
	switch {
	case (*l.tlsCert == "") != (*l.tlsKey == ""):
		return errors.New("-tls-cert and -tls-key go together")
	case *l.maxConns <= 0:
		return errors.New("-max-conns must be positive")
	case *l.ping <= 0:
		return errors.New("-ping must be positive")
	}
	return nil
}

// listener is a serving subcommand's open socket.
type listener struct {
	net.Listener             // wrapped in TLS when tls is set
	tls          *tls.Config // nil without -tls-cert
	scheme       string      // "http" or "https"
}

// listen loads the TLS certificate, if one is given, and listens on -addr.
func (l *listenFlags) listen() (*listener, error) {
	ln := &listener{scheme: "http"}
	if *l.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*l.tlsCert, *l.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("cannot load the TLS certificate: %w", err)
		}
		ln.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln.scheme = "https"
	}
	tcp, err := listenTCP(*l.addr)
	if err != nil {
		return nil, err
	}
	ln.Listener = tcp
	if ln.tls != nil {
		ln.Listener = tls.NewListener(tcp, ln.tls)
	}
	return ln, nil
}

// listenTCP listens on addr, saying plainly when the port is taken.
func listenTCP(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%s is already in use; pick another port with -addr", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %v", addr, err)
	}
	return ln, nil
}

// serveUntilStopped serves hs on ln until serving fails, which it
// returns, or e.ctx ends (Ctrl-C). Then it says on stderr that the
// command is shutting down and calls stop with a context that gives it
// five seconds.
func serveUntilStopped(e *env, name string, hs *http.Server, ln net.Listener, stop func(context.Context)) error {
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-e.ctx.Done():
	}
	fmt.Fprintf(e.stderr, "wiretalk %s: shutting down\n", name)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stop(ctx)
	return nil
}
