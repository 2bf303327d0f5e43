package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

func TestEdgeFlagsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"edge"}, "-relay nats://HOST:4222 is required"},
		{[]string{"edge", "-relay", "nats://127.0.0.1:4222"}, "-relay needs -talk NAME"},
		{[]string{"edge", "-relay", "nats://127.0.0.1:4222", "-talk", "a.b"}, "talk name"},
		{[]string{"edge", "-relay", "nats://127.0.0.1:4222", "-talk", "t", "deck.md"}, "an edge takes no deck"},
		{[]string{"edge", "-relay", "nats://127.0.0.1:4222", "-talk", "t", "-relay-cert", "c.pem"}, "-relay-cert and -relay-key go together"},
		{[]string{"edge", "-relay", "nats://127.0.0.1:4222", "-talk", "t", "-name", "a b"}, "-name"},
		{[]string{"serve", "-talk", "t"}, "-talk and the -relay-* flags go with -relay"},
		{[]string{"serve", "-relay", "nats://127.0.0.1:4222"}, "-relay needs -talk NAME"},
	} {
		var stderr strings.Builder
		e := &env{ctx: t.Context(), stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr}
		if code := run(e, tc.args); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), exitUsage, tc.want)
		}
	}
}

func TestEdgeWithoutItsTalkSaysWhichTalksThereAre(t *testing.T) {
	ns := embeddedBroker(t)
	var stderr syncBuffer
	e := &env{ctx: t.Context(), stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr}
	if code := run(e, []string{"edge", "-relay", ns.ClientURL(), "-talk", "nope", "-addr", "127.0.0.1:0"}); code != exitFail {
		t.Errorf("edge with no such talk: exit %d, want %d", code, exitFail)
	}
	if !strings.Contains(stderr.String(), `no talk "nope" on the broker`) {
		t.Errorf("stderr %q does not say the talk is missing", stderr.String())
	}
	if code := run(e, []string{"edge", "-relay", "nats://127.0.0.1:1", "-talk", "t", "-addr", "127.0.0.1:0"}); code != exitFail ||
		!strings.Contains(stderr.String(), "cannot reach the broker") {
		t.Errorf("edge with no broker: exit %d, stderr %q", code, stderr.String())
	}
	var serr syncBuffer
	e.stderr = &serr
	if code := run(e, []string{"serve", "-relay", "nats://127.0.0.1:1", "-talk", "t", "-addr", "127.0.0.1:0", "-no-state"}); code != exitFail ||
		!strings.Contains(serr.String(), "wiretalk serve: cannot reach the broker at nats://127.0.0.1:1") {
		t.Errorf("serve -relay with no broker: exit %d, stderr %q", code, serr.String())
	}
}

// TestServeAndEdgeShareATalk runs "wiretalk serve -relay" and "wiretalk
// edge" in-process against an embedded broker: the edge serves the
// presenter's deck, and no presenter console.
func TestServeAndEdgeShareATalk(t *testing.T) {
	ns := embeddedBroker(t)
	presenter, stop := startServe(t, "-addr", "127.0.0.1:0", "-no-state", "-relay", ns.ClientURL(), "-talk", "cmdtest")
	defer stop()

	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	done := make(chan int, 1)
	go func() {
		done <- run(e, []string{"edge", "-relay", ns.ClientURL(), "-talk", "cmdtest", "-addr", "127.0.0.1:0", "-name", "e1"})
	}()
	defer func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("edge exited with %d after Ctrl-C", code)
		}
	}()
	re := regexp.MustCompile(`Audience: (http://\S+)/`)
	var edgeURL string
	deadline := time.Now().Add(10 * time.Second)
	for edgeURL == "" {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			edgeURL = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("the edge printed no URL:\n%s%s", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	base := strings.SplitN(presenter, "/presenter", 2)[0]
	if a, b := fetch(t, base+"/api/deck"), fetch(t, edgeURL+"/api/deck"); a != b || !strings.Contains(a, `"slides"`) {
		t.Errorf("the edge's deck differs from the presenter's")
	}
	resp, err := http.Get(edgeURL + "/presenter")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("the edge's /presenter: %d, want 404", resp.StatusCode)
	}
}

func fetch(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func embeddedBroker(t *testing.T) *natsserver.Server {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("the embedded nats-server did not start")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}
