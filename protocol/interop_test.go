package protocol

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// Interop with an independent implementation, github.com/coder/websocket
// (a test dependency only): our server against its client, and our client
// against its server.

var interopSizes = []int{0, 125, 126, 65535, 65536, 1 << 20}

func interopPayload(n int, text bool) []byte {
	if text {
		// Multi-byte UTF-8, cut at a code point and padded to n bytes.
		s := strings.Repeat("wiretalk €-", n/12+1)
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return []byte(s[:cut] + strings.Repeat(".", n-cut))
	}
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i * 7)
	}
	return p
}

// echoEverySize writes a text and a binary message of each of
// interopSizes with write, and checks that read returns each unchanged
// and of its type. T is the message type of the client's library.
func echoEverySize[T comparable](t *testing.T, text, binary T, write func(T, []byte) error, read func() (T, []byte, error)) {
	t.Helper()
	for _, n := range interopSizes {
		for _, typ := range []T{text, binary} {
			p := interopPayload(n, typ == text)
			if err := write(typ, p); err != nil {
				t.Fatal(err)
			}
			gotTyp, got, err := read()
			if err != nil || gotTyp != typ || !bytes.Equal(got, p) {
				t.Fatalf("%v of %d bytes: echo %v of %d bytes, %v", typ, n, gotTyp, len(got), err)
			}
		}
	}
}

func wsURL(srv *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + path
}

func interopCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// ourServer serves our Conn: /echo echoes; /close/4000 closes at once
// with 4000; /ping pings the client and tells it when the pong came;
// /expect-close reports how the client closed; /limit has a 1 KiB limit.
func ourServer(t *testing.T) (*httptest.Server, chan error) {
	closes := make(chan error, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opts := &AcceptOptions{}
		if r.URL.Path == "/limit" {
			opts.ReadLimit = 1 << 10
		}
		c, err := Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		switch r.URL.Path {
		case "/close/4000":
			c.Close(4000, "custom")
			return
		case "/ping":
			go c.Read(context.Background()) // sees the pong
			c.Ping(ctx, []byte("are you there?"))
			for c.LastPong().IsZero() && !c.closed() {
				time.Sleep(5 * time.Millisecond)
			}
			c.Write(ctx, OpText, []byte("pong seen"))
			<-c.Done()
			return
		case "/expect-close":
			_, _, err := c.Read(ctx)
			closes <- err
			return
		}
		for {
			op, p, err := c.Read(ctx)
			if err != nil {
				return
			}
			if c.Write(ctx, op, p) != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, closes
}

func coderDial(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(4 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func TestInteropOurServerCoderClient(t *testing.T) {
	srv, closes := ourServer(t)
	ctx := interopCtx(t)

	t.Run("messages of every length encoding", func(t *testing.T) {
		c := coderDial(t, ctx, wsURL(srv, "/echo"))
		echoEverySize(t, websocket.MessageText, websocket.MessageBinary,
			func(typ websocket.MessageType, p []byte) error { return c.Write(ctx, typ, p) },
			func() (websocket.MessageType, []byte, error) { return c.Read(ctx) })
		c.Close(websocket.StatusNormalClosure, "")
	})
	t.Run("fragmented message", func(t *testing.T) {
		c := coderDial(t, ctx, wsURL(srv, "/echo"))
		w, err := c.Writer(ctx, websocket.MessageText)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{"frag", "mented ", "€"[:2], "€"[2:], " message"} {
			io.WriteString(w, part)
		}
		w.Close()
		if _, got, err := c.Read(ctx); err != nil || string(got) != "fragmented € message" {
			t.Fatalf("echo %q, %v", got, err)
		}
		c.Close(websocket.StatusNormalClosure, "")
	})
	t.Run("client ping, our pong", func(t *testing.T) {
		c := coderDial(t, ctx, wsURL(srv, "/echo"))
		readDone := make(chan struct{})
		go func() { defer close(readDone); c.Read(ctx) }() // coder sees pongs while reading
		if err := c.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		c.Close(websocket.StatusNormalClosure, "")
		<-readDone
	})
	t.Run("our ping, client pong", func(t *testing.T) {
		c := coderDial(t, ctx, wsURL(srv, "/ping"))
		if _, got, err := c.Read(ctx); err != nil || string(got) != "pong seen" {
			t.Fatalf("read %q, %v", got, err)
		}
		c.Close(websocket.StatusNormalClosure, "")
	})
	t.Run("client closes with 1001", func(t *testing.T) {
		c := coderDial(t, ctx, wsURL(srv, "/expect-close"))
		if err := c.Close(websocket.StatusGoingAway, "bye"); err != nil {
			t.Errorf("coder's Close: %v", err)
		}
		var ce *CloseError
		if err := <-closes; !errors.As(err, &ce) || ce.Code != 1001 || ce.Reason != "bye" {
			t.Errorf("our Read = %v, want CloseError 1001 bye", err)
		}
	})
	t.Run("server closes with 4000", func(t *testing.T) {
		c := coderDial(t, ctx, wsURL(srv, "/close/4000"))
		_, _, err := c.Read(ctx)
		if websocket.CloseStatus(err) != 4000 {
			t.Errorf("coder's Read = %v, want close 4000", err)
		}
	})
	t.Run("invalid UTF-8 fails with 1007", func(t *testing.T) {
		c := coderDial(t, ctx, wsURL(srv, "/echo"))
		c.Write(ctx, websocket.MessageText, []byte("ok\xff"))
		if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != 1007 {
			t.Errorf("coder's Read = %v, want close 1007", err)
		}
	})
	t.Run("message over the limit fails with 1009", func(t *testing.T) {
		c := coderDial(t, ctx, wsURL(srv, "/limit"))
		c.Write(ctx, websocket.MessageBinary, make([]byte, 2<<10))
		if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != 1009 {
			t.Errorf("coder's Read = %v, want close 1009", err)
		}
	})
}

// coderServer serves coder's Conn: /echo echoes streaming; /close/4001
// closes at once; /ping pings the client; /expect-close reports how the
// client closed; /limit has a 1 KiB limit.
func coderServer(t *testing.T) (*httptest.Server, chan error) {
	closes := make(chan error, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(4 << 20)
		ctx := r.Context()
		switch r.URL.Path {
		case "/close/4001":
			c.Close(4001, "coder says bye")
			return
		case "/limit":
			c.SetReadLimit(1 << 10)
		case "/ping":
			readDone := make(chan struct{})
			go func() { defer close(readDone); c.Read(ctx) }()
			err := c.Ping(ctx)
			c.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf("ping: %v", err)))
			<-readDone
			return
		case "/expect-close":
			_, _, err := c.Read(ctx)
			closes <- err
			return
		}
		for {
			typ, rd, err := c.Reader(ctx)
			if err != nil {
				return
			}
			wr, err := c.Writer(ctx, typ)
			if err != nil {
				return
			}
			if _, err := io.Copy(wr, rd); err != nil {
				return
			}
			if wr.Close() != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, closes
}

func ourDial(t *testing.T, ctx context.Context, url string) *Conn {
	t.Helper()
	c, resp, err := Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func TestInteropOurClientCoderServer(t *testing.T) {
	srv, closes := coderServer(t)
	ctx := interopCtx(t)

	t.Run("messages of every length encoding", func(t *testing.T) {
		c := ourDial(t, ctx, wsURL(srv, "/echo"))
		echoEverySize(t, OpText, OpBinary,
			func(op Opcode, p []byte) error { return c.Write(ctx, op, p) },
			func() (Opcode, []byte, error) { return c.Read(ctx) })
		if err := c.Close(StatusNormalClosure, ""); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	t.Run("fragmented messages", func(t *testing.T) {
		c := ourDial(t, ctx, wsURL(srv, "/echo"))
		msg := []byte("fragmented € message, in pieces of three bytes")
		if err := c.WriteFragments(ctx, OpText, msg, 3); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.Read(ctx); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("echo %q, %v", got, err)
		}
		w, _ := c.Writer(ctx, OpBinary)
		w.Write([]byte("streamed "))
		c.Ping(ctx, []byte("between fragments"))
		w.Write([]byte("message"))
		w.Close()
		if _, got, err := c.Read(ctx); err != nil || string(got) != "streamed message" {
			t.Fatalf("echo %q, %v", got, err)
		}
		if c.LastPong().IsZero() {
			t.Error("no pong for the ping between fragments")
		}
		c.Close(StatusNormalClosure, "")
	})
	t.Run("server ping, our pong", func(t *testing.T) {
		c := ourDial(t, ctx, wsURL(srv, "/ping"))
		if _, got, err := c.Read(ctx); err != nil || string(got) != "ping: <nil>" {
			t.Fatalf("read %q, %v", got, err)
		}
		c.Close(StatusNormalClosure, "")
	})
	t.Run("client closes with 1001", func(t *testing.T) {
		c := ourDial(t, ctx, wsURL(srv, "/expect-close"))
		if err := c.Close(StatusGoingAway, "bye"); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-closes; websocket.CloseStatus(err) != 1001 {
			t.Errorf("coder's Read = %v, want close 1001", err)
		}
	})
	t.Run("server closes with 4001", func(t *testing.T) {
		c := ourDial(t, ctx, wsURL(srv, "/close/4001"))
		var ce *CloseError
		if _, _, err := c.Read(ctx); !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != "coder says bye" {
			t.Errorf("Read = %v, want CloseError 4001", err)
		}
	})
	t.Run("message over the server's limit gets 1009", func(t *testing.T) {
		c := ourDial(t, ctx, wsURL(srv, "/limit"))
		c.Write(ctx, OpBinary, make([]byte, 2<<10))
		if _, _, err := c.Read(ctx); CloseStatus(err) != 1009 {
			t.Errorf("Read = %v, want close 1009", err)
		}
	})
}
