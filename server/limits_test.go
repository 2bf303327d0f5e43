package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"wiretalk/protocol"
)

// readUntilClosed reads c until it ends and returns how many messages came
// before that and the error it ended with.
func readUntilClosed(t *testing.T, c *protocol.Conn) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	for n := 0; ; n++ {
		if _, _, err := c.Read(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("the connection was not closed within %v", patience)
			}
			return n, err
		}
	}
}

// wantClose checks that err is the server's close frame with code, and a
// reason that says why.
func wantClose(t *testing.T, err error, code protocol.StatusCode, reason string) {
	t.Helper()
	var ce *protocol.CloseError
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("the connection ended with %v, want close %v", err, code)
	}
	if !strings.Contains(ce.Reason, reason) {
		t.Errorf("close reason %q does not say %q", ce.Reason, reason)
	}
}

// TestEveryLimitHasAnErrorAndALogLine: each limit answers the client with
// a clear error and tells the presenter in the log.
func TestEveryLimitHasAnErrorAndALogLine(t *testing.T) {
	log, logTo := captureLog(t)
	ts := newRealServer(t, testDeck, nil, logTo, func(c *Config) { c.MaxConns = 4 })
	ctx := context.Background()

	t.Run("audience message over 2048 bytes", func(t *testing.T) {
		a := ts.dial(t, "/ws", nil)
		next(t, a, "state")
		a.Write(ctx, protocol.OpText, []byte(strings.Repeat("a", 2049)))
		_, err := readUntilClosed(t, a)
		wantClose(t, err, protocol.StatusMessageTooBig, "over the 2048-byte limit")
		log.wait(t, "audience socket 127.0.0.1:", "over the 2048-byte limit", "closed with 1009")
	})

	t.Run("presenter message over 4 KiB", func(t *testing.T) {
		p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
		next(t, p, "state")
		p.Write(ctx, protocol.OpText, []byte(`{"type":"goto","index":1,"pad":"`+strings.Repeat("x", 4096)+`"}`))
		_, err := readUntilClosed(t, p)
		wantClose(t, err, protocol.StatusMessageTooBig, "over the 4096-byte limit")
		log.wait(t, "presenter socket 127.0.0.1:", "over the 4096-byte limit", "closed with 1009")
		if ts.Position() != 0 {
			t.Error("the oversized command moved the talk")
		}
	})

	t.Run("specimen echo: 1 MiB echoed, 1 MiB + 1 refused", func(t *testing.T) {
		id, notices := openFeed(t, ts)
		s := ts.dial(t, "/demo/specimen?feed="+id, nil)
		s.SetReadLimit(2 << 20)
		big := make([]byte, 1<<20)
		if err := s.Write(ctx, protocol.OpBinary, big); err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithTimeout(ctx, patience)
		defer cancel()
		if _, echo, err := s.Read(rctx); err != nil || len(echo) != len(big) {
			t.Fatalf("a message of exactly 1 MiB: echo of %d bytes, %v", len(echo), err)
		}
		s.Write(ctx, protocol.OpBinary, append(big, 0))
		_, err := readUntilClosed(t, s)
		wantClose(t, err, protocol.StatusMessageTooBig, "over the 1048576-byte limit")
		notices.wait(t, "a message was over the 1 MiB limit, so the server closed it with 1009")
		log.wait(t, "demo: specimen 127.0.0.1:", "over the 1048576-byte limit", "closed with 1009")
	})

	t.Run("specimen echo: 20 messages a second", func(t *testing.T) {
		id, notices := openFeed(t, ts)
		s := ts.dial(t, "/demo/specimen?feed="+id, nil)
		// 20 are echoed at once (the burst), then 20 a second; 100 in a
		// row over the rate close the connection. On a loaded machine a
		// token may come back between two messages and start the count
		// again, so floods of 130 follow each other a second apart until
		// the close: each is few enough for the viewer's feed to hold
		// every record of it (256), notices included.
		start := time.Now()
		var sent atomic.Int64
		go func() {
			for time.Since(start) < patience {
				for range 130 {
					if s.Write(ctx, protocol.OpText, []byte("flood")) != nil {
						return
					}
					sent.Add(1)
				}
				time.Sleep(time.Second)
			}
		}()
		echoed, err := readUntilClosed(t, s)
		took := time.Since(start)
		wantClose(t, err, protocol.StatusPolicyViolation, "rate limit")
		// The most the bucket can have let through while the flood
		// lasted: the burst, a token each 50 ms, and one for rounding.
		most := 20 + int(20*took.Seconds()) + 1
		if echoed < 20 || echoed > most {
			t.Errorf("%d messages echoed in %v, want the burst of 20 and at most %d", echoed, took, most)
		}
		notices.wait(t, "Over the limit of 20 messages per second: this message was not echoed.")
		notices.wait(t, "100 messages in a row over the rate limit: the server closes the connection with 1008.")
		log.wait(t, "demo: specimen 127.0.0.1:", "over the limit of 20 per second", "1008")
		t.Logf("%d messages sent: %d echoed, then close 1008 after %v", sent.Load(), echoed, took.Round(time.Millisecond))
	})

	t.Run("-max-conns", func(t *testing.T) {
		// Four sockets is the limit here: two pages and a feed with its
		// specimen; the presenter does not count. The sockets of the cases
		// above are closed, but the server may not have seen it yet.
		eventually(t, "the sockets of the cases above released", func() bool { return ts.conns.Load() == 0 })
		ts.dial(t, "/ws", nil)
		ts.dial(t, "/ws", nil)
		id, _ := openFeed(t, ts)
		ts.dial(t, "/demo/specimen?feed="+id, nil)
		eventually(t, "four sockets counted", func() bool { return ts.conns.Load() == 4 })
		for _, path := range []string{"/ws", "/demo/feed", "/demo/specimen?feed=" + id} {
			dctx, cancel := context.WithTimeout(ctx, patience)
			_, resp, err := protocol.Dial(dctx, ts.wsURL(path), &protocol.DialOptions{Header: http.Header{"Origin": {ts.http.URL}}})
			cancel()
			if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("%s over -max-conns: %v, want 503", path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(body), "server full") || resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s: 503 %q, Retry-After %q: want a reason and when to retry", path, body, resp.Header.Get("Retry-After"))
			}
		}
		log.wait(t, "refused a socket from 127.0.0.1: 4 connections is the limit (-max-conns)")
		p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
		next(t, p, "state")
	})

	t.Run("wrong presenter keys", func(t *testing.T) {
		var codes []int
		for range 11 {
			codes = append(codes, ts.get(t, "/presenter?key=guess", nil).StatusCode)
		}
		if slices.Index(codes, http.StatusTooManyRequests) != 10 {
			t.Fatalf("statuses of 11 wrong keys: %v, want ten 403 then 429", codes)
		}
		body, _ := io.ReadAll(ts.get(t, "/presenter?key=guess", nil).Body)
		if !strings.Contains(string(body), "too many attempts") {
			t.Errorf("429 body %q does not say why", body)
		}
		log.wait(t, "presenter: wrong key from 127.0.0.1")
		log.wait(t, "presenter: too many wrong keys from 127.0.0.1")
		// A presenter socket with a wrong key is limited too.
		dctx, cancel := context.WithTimeout(ctx, patience)
		defer cancel()
		_, resp, _ := protocol.Dial(dctx, ts.wsURL("/ws/presenter?key=guess"), &protocol.DialOptions{Header: http.Header{"Origin": {ts.http.URL}}})
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("presenter socket with a wrong key during the limit: %v, want 429", resp)
		}
	})
}

// TestPresenterKeyComparedInConstantTime times keyOK for guesses as long
// as the key that share nothing with it, all but its last character, or
// everything: the medians must not differ by more than the noise. The key
// and the guess are both hashed (SHA-256) before
// subtle.ConstantTimeCompare, so a matching prefix cannot be timed.
// Guesses of other lengths are timed for the record: they cost what their
// own length costs to hash, which tells an attacker nothing new.
func TestPresenterKeyComparedInConstantTime(t *testing.T) {
	key := NewKey()
	a := newPresenterAuth(key)
	sameLength := []string{"the key", "all but the last", "nothing in common", "the session's start"}
	guesses := map[string]string{
		"the key":               key,
		"all but the last":      key[:len(key)-1] + "x",
		"nothing in common":     strings.Repeat("z", len(key)),
		"the session's start":   a.token[:len(key)],
		"one character":         "z",
		"the key and then more": key + "0",
	}
	names := make([]string, 0, len(guesses))
	for n := range guesses {
		names = append(names, n)
	}
	slices.Sort(names)
	const rounds, calls = 301, 100
	samples := make(map[string][]time.Duration)
	for range rounds {
		for _, n := range names { // interleaved: noise hits all alike
			g := guesses[n]
			start := time.Now()
			for range calls {
				a.keyOK(g)
			}
			samples[n] = append(samples[n], time.Since(start)/calls)
		}
	}
	median := make(map[string]time.Duration)
	var report []string
	for _, n := range names {
		s := samples[n]
		slices.Sort(s)
		median[n] = s[len(s)/2]
		report = append(report, n+" "+median[n].String())
	}
	t.Logf("median time of keyOK: %s", strings.Join(report, ", "))
	lo, hi := median[sameLength[0]], median[sameLength[0]]
	for _, n := range sameLength {
		lo, hi = min(lo, median[n]), max(hi, median[n])
	}
	if float64(hi) > 1.2*float64(lo) {
		t.Errorf("guesses as long as the key differ by %.0f%%: %s", 100*(float64(hi)/float64(lo)-1), strings.Join(report, ", "))
	}
	if !a.keyOK(key) || a.keyOK(key[:len(key)-1]+"x") {
		t.Fatal("keyOK is wrong")
	}
}
