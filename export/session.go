package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"wiretalk/demo"
	"wiretalk/protocol"
)

// RecordSession makes a recording of the inspector by doing what a person
// on the Demo slide would try: it runs the specimen in-process on
// loopback, opens the feed and the specimen with protocol's own client,
// and sends text "Hello", 126 bytes and 70 KiB (16- and 64-bit lengths),
// binary, asks for a server ping (the client pongs), a reply in
// fragments, and closes with a code and a reason. Every byte, key and
// accept value in it went over a real socket.
func RecordSession(ctx context.Context) (*Recording, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	ins := demo.New(demo.Options{CheckOrigin: func(*http.Request) bool { return true }})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /demo/feed", ins.ServeFeed)
	mux.HandleFunc("GET /demo/specimen", ins.ServeSpecimen)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() { srv.Serve(ln); close(served) }()
	defer func() {
		ins.Close()
		srv.Close()
		<-served
	}()
	base := "ws://" + ln.Addr().String()

	feed, _, err := protocol.Dial(ctx, base+"/demo/feed", nil)
	if err != nil {
		return nil, fmt.Errorf("recording: the feed: %w", err)
	}
	defer feed.CloseNow()
	_, p, err := feed.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("recording: the feed's hello: %w", err)
	}
	var hello struct{ Type, ID string }
	if json.Unmarshal(p, &hello) != nil || hello.Type != "feed" || hello.ID == "" {
		return nil, fmt.Errorf("recording: the feed said %q first", p)
	}
	s := &session{feed: feed, records: make(chan json.RawMessage, 64), readErr: make(chan error, 1)}
	go s.readFeed(ctx)

	spec, _, err := protocol.Dial(ctx, base+"/demo/specimen?feed="+hello.ID, nil)
	if err != nil {
		return nil, fmt.Errorf("recording: the specimen: %w", err)
	}
	defer spec.CloseNow()
	specDone := make(chan struct{})
	go func() {
		defer close(specDone)
		for { // reading answers the server's ping with a pong
			if _, _, err := spec.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	if err := s.until(ctx, "the handshake", func(h rec) bool { return h.Type == "handshake" }); err != nil {
		return nil, err
	}
	echo := func(what string, op protocol.Opcode, payload []byte) error {
		if err := spec.Write(ctx, op, payload); err != nil {
			return fmt.Errorf("recording: sending %s: %w", what, err)
		}
		return s.until(ctx, "the echo of "+what, func(h rec) bool {
			return h.Type == "frame" && h.Frame.Dir == "out" && h.Frame.Fin && h.Frame.Opcode != 9 && h.Frame.Opcode != 10
		})
	}
	steps := []func() error{
		func() error { return echo(`text "Hello"`, protocol.OpText, []byte(filler(5))) },
		func() error { return echo("126 bytes", protocol.OpText, []byte(filler(126))) },
		func() error { return echo("70 KiB", protocol.OpText, []byte(filler(70*1024))) },
		func() error { return echo("binary", protocol.OpBinary, []byte(filler(5))) },
		func() error {
			if err := s.command(ctx, `{"type":"ping","payload":"ping 1"}`); err != nil {
				return err
			}
			return s.until(ctx, "the pong", func(h rec) bool { return h.Type == "frame" && h.Frame.Dir == "in" && h.Frame.Opcode == 10 })
		},
		func() error {
			if err := s.command(ctx, `{"type":"fragments","on":true}`); err != nil {
				return err
			}
			if err := s.until(ctx, "fragments on", func(h rec) bool { return h.Type == "notice" }); err != nil {
				return err
			}
			return echo("a message answered in fragments", protocol.OpText, []byte(filler(5)))
		},
		func() error {
			if err := spec.Close(protocol.StatusNormalClosure, "bye"); err != nil {
				return fmt.Errorf("recording: closing: %w", err)
			}
			return s.until(ctx, "the server's close", func(h rec) bool { return h.Type == "frame" && h.Frame.Dir == "out" && h.Frame.Opcode == 8 })
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	<-specDone
	feed.Close(protocol.StatusNormalClosure, "")
	return &Recording{
		Format:   RecordingFormat,
		Version:  RecordingVersion,
		Recorded: time.Now().UTC().Truncate(time.Second),
		Source:   "wiretalk export: protocol.Dial against the specimen on loopback",
		Records:  s.got,
	}, nil
}

// session gathers the feed's records while the steps run.
type session struct {
	feed    *protocol.Conn
	records chan json.RawMessage
	readErr chan error
	got     []json.RawMessage
}

// rec is what the steps look at in a record.
type rec struct {
	Type  string
	Frame struct {
		Dir    string
		Fin    bool
		Opcode int
	}
}

func (s *session) readFeed(ctx context.Context) {
	for {
		op, p, err := s.feed.Read(ctx)
		if err != nil {
			s.readErr <- err
			close(s.records)
			return
		}
		if op == protocol.OpText {
			s.records <- json.RawMessage(bytes.Clone(p)) // p is the reader's buffer
		}
	}
}

// until keeps records until one satisfies ok.
func (s *session) until(ctx context.Context, what string, ok func(rec) bool) error {
	for {
		select {
		case raw, open := <-s.records:
			if !open {
				return fmt.Errorf("recording: the feed closed waiting for %s: %v", what, <-s.readErr)
			}
			var h rec
			if err := json.Unmarshal(raw, &h); err != nil {
				return fmt.Errorf("recording: a record: %w", err)
			}
			s.got = append(s.got, raw)
			if h.Type == "notice" && strings.Contains(string(raw), `"level":"warn"`) {
				return fmt.Errorf("recording: the inspector warned: %s", raw)
			}
			if ok(h) {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("recording: waiting for %s: %w", what, errors.Join(ctx.Err()))
		}
	}
}

func (s *session) command(ctx context.Context, cmd string) error {
	return s.feed.Write(ctx, protocol.OpText, []byte(cmd))
}

// filler is the inspector page's text of n bytes (inspector.js), "Hello"
// for 5, so that a recording shows what a viewer would have sent.
func filler(n int) string {
	if n == 5 {
		return "Hello"
	}
	s := "frame by frame, bit by bit. "
	return strings.Repeat(s, n/len(s)+1)[:n]
}
