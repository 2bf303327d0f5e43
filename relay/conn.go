package relay

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"

	"wiretalk/protocol"
)

// Options say how to reach the broker and which talk to carry.
type Options struct {
	URL  string // nats://HOST:4222 (or tls://…); user:password@ in it are credentials
	Talk string // the talk's name: letters, digits, - and _; the same on the presenter and its edges

	NKeySeedFile string // file holding an nkey seed (SU…) to authenticate with; "" for none
	CAFile       string // PEM roots to verify the broker's TLS certificate; "" uses the system's
	CertFile     string // client certificate (PEM) for mutual TLS, with KeyFile
	KeyFile      string

	Logf func(format string, args ...any)
}

// talkName is what a talk may be called: it becomes part of bucket names
// and subjects, where dots and wildcards would mean something else.
var talkName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CheckTalk reports whether name can name a talk.
func CheckTalk(name string) error {
	if !talkName.MatchString(name) {
		return fmt.Errorf("talk name %q: use 1 to 64 letters, digits, - or _", name)
	}
	return nil
}

func (o *Options) check() error {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if err := CheckTalk(o.Talk); err != nil {
		return err
	}
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("relay URL %q: want nats://HOST:PORT or tls://HOST:PORT", o.URL)
	}
	switch u.Scheme {
	case "nats", "tls":
	default:
		return fmt.Errorf("relay URL %q: want nats://HOST:PORT or tls://HOST:PORT", o.URL)
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return errors.New("the relay's client certificate and key go together")
	}
	return nil
}

// redacted is the URL without its password, for logs and errors.
func (o *Options) redacted() string {
	u, err := url.Parse(o.URL)
	if err != nil {
		return "the relay"
	}
	return u.Redacted()
}

// events are what the connection's handlers tell the rest of the relay.
type events struct {
	reconnected chan struct{} // after a reconnection (coalesced)
}

// connect dials the broker as role ("presenter" or "edge"). The connection
// reconnects forever on its own; reconnections are signalled on ev.
func connect(o *Options, role string, ev *events) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name("wiretalk " + role + " of talk " + o.Talk),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(250*time.Millisecond, time.Second),
		nats.Timeout(5 * time.Second),
		nats.SetCustomDialer(brokerDialer{net.Dialer{Timeout: 5 * time.Second}}),
		nats.PingInterval(5 * time.Second),
		nats.MaxPingsOutstanding(2),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if nc.IsClosed() {
				return // Close, not a loss
			}
			if err != nil {
				o.Logf("relay: lost the broker at %s: %v; serving the last state, reconnecting", o.redacted(), err)
			} else {
				o.Logf("relay: lost the broker at %s; serving the last state, reconnecting", o.redacted())
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			o.Logf("relay: reconnected to the broker at %s", nc.ConnectedUrlRedacted())
			select {
			case ev.reconnected <- struct{}{}:
			default:
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			o.Logf("relay: %v", err)
		}),
	}
	if o.NKeySeedFile != "" {
		opt, err := nats.NkeyOptionFromSeed(o.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("relay nkey seed: %w", err)
		}
		opts = append(opts, opt)
	}
	if o.CAFile != "" || o.CertFile != "" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return nil, fmt.Errorf("relay CA: %w", err)
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("relay CA %s: no PEM certificate in it", o.CAFile)
			}
		}
		if o.CertFile != "" {
			cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("relay client certificate: %w", err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		opts = append(opts, nats.Secure(cfg))
	}
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the broker at %s: %w", o.redacted(), err)
	}
	return nc, nil
}

// brokerDialer dials the broker as nats.go's own dialer would, and hands
// it the connection with reads and writes made as protocol's sockets make
// theirs (protocol.RawSocket: raw recv and send on Linux).
//
// Through package net, each read or write tells the scheduler it may
// block. When the runtime's monitor thread is asleep (an edge idle
// between two key presses), that wakes it, and it then polls every 20 µs
// for a millisecond and at a slowly growing interval after that: about 60
// times during a fan-out to 1,000 sockets, each time taking the CPU of an
// edge given one from its writer. Measured with BenchmarkRelayProcesses,
// 1,000 sockets per server (docs/BENCHMARKS.md, the relay): the edge's
// monitor thread switched 4,883 times in 20 s (the one server's: 103),
// and the first edge reached its last phone 4.1 ms after the one server
// on the same CPU. With raw calls: 375 switches (the one server's: 201),
// and 0.8 ms.
type brokerDialer struct{ d net.Dialer }

func (b brokerDialer) Dial(network, address string) (net.Conn, error) {
	c, err := b.d.Dial(network, address)
	if err != nil {
		return nil, err
	}
	return protocol.RawSocket(c), nil
}
