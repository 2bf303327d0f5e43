package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wiretalk/internal/browsertest"
	"wiretalk/internal/nginxtest"
	"wiretalk/protocol"
)

// This file runs the three-machine layout of docs/deploy.md on loopback,
// with real processes: nats-server with docs/broker.conf, "wiretalk serve
// -relay" as the presenter, two "wiretalk edge" processes, and nginx in
// front of the edges; audience pages in headless Chromium.

// lookBin finds a program on PATH or at one of the usual places. Without
// it the test is skipped, or fails under CI=true.
func lookBin(t *testing.T, name, why string, also ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range also {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	msg := name + " is not installed: " + why
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// loopbackAddr returns a loopback address with a port nobody listens on now.
func loopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is a program the test started; it is killed at cleanup, and
// its output is logged if the test failed.
type process struct {
	name   string
	cmd    *exec.Cmd
	out    syncBuffer
	exited chan struct{}
}

func startProcess(t *testing.T, name string, env []string, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name, cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s's output:\n%s", name, p.out.String())
		}
	})
	return p
}

// waitListening waits until addr accepts connections, or p exits.
func (p *process) waitListening(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case <-p.exited:
			t.Fatalf("%s exited:\n%s", p.name, p.out.String())
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s within 20 s:\n%s", p.name, addr, p.out.String())
		}
	}
}

// edgesNginx is the upstream pair of docs/deploy.md, without TLS, and with
// the second edge as a backup so that the test knows which edge a page is
// on: all of them on the first while it lives.
const edgesNginx = `
	upstream wiretalk_edges {
		server {{edge1}} max_fails=1 fail_timeout=30s;
		server {{edge2}} backup;
	}
	server {
		listen {{front}};
		location / {
			proxy_pass http://wiretalk_edges;
			proxy_next_upstream error timeout http_502 http_503;
			proxy_http_version 1.1;
			proxy_set_header Upgrade $http_upgrade;
			proxy_set_header Connection $connection_upgrade;
			proxy_set_header Host $http_host;
			proxy_read_timeout 1h;
			proxy_send_timeout 1h;
		}
	}
`

const relayDeck = `name: one

# One, through the relay

---
name: two

# Two

![pic](img/pic.png)

---
name: three

# Three
`

// TestEdgesBehindNginxFollowThePresenter: pages on both edges follow the
// presenter's key presses; one edge is killed, and its page comes back
// through nginx on the other edge, on the slide the presenter moved to
// meanwhile.
func TestEdgesBehindNginxFollowThePresenter(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker, three wiretalk processes, nginx and Chromium")
	}
	natsBin := lookBin(t, "nats-server", ".ci/run builds it from its Go module and puts it on PATH", "/opt/nats/nats-server")
	nginx := nginxtest.Find(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "wiretalk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	natsAddr := loopbackAddr(t)
	// docs/broker.conf as it is, but for its address and store.
	brokerConf, err := os.ReadFile(filepath.Join("docs", "broker.conf"))
	if err != nil {
		t.Fatal(err)
	}
	brokerConf = []byte(strings.NewReplacer("0.0.0.0:4222", natsAddr, "/var/lib/nats", filepath.Join(dir, "jetstream")).Replace(string(brokerConf)))
	os.WriteFile(filepath.Join(dir, "broker.conf"), brokerConf, 0o644)
	broker := startProcess(t, "nats-server", []string{"WIRETALK_PRESENTER_PASSWORD=p-secret", "WIRETALK_EDGE_PASSWORD=e-secret"},
		natsBin, "-c", filepath.Join(dir, "broker.conf"))
	broker.waitListening(t, natsAddr)

	deckDir := filepath.Join(dir, "deck")
	os.MkdirAll(filepath.Join(deckDir, "img"), 0o755)
	os.WriteFile(filepath.Join(deckDir, "img", "pic.png"), []byte("\x89PNG through the relay"), 0o644)
	os.WriteFile(filepath.Join(deckDir, "talk.md"), []byte(relayDeck), 0o644)
	const key = "integration-presenter-key"
	presenterAddr := loopbackAddr(t)
	presenter := startProcess(t, "presenter", nil, bin, "serve", "-addr", presenterAddr, "-no-state", "-key", key,
		"-relay", "nats://presenter:p-secret@"+natsAddr, "-talk", "keynote", filepath.Join(deckDir, "talk.md"))
	presenter.waitListening(t, presenterAddr)

	edgeAddrs := []string{loopbackAddr(t), loopbackAddr(t)}
	edges := make([]*process, 2)
	for i, addr := range edgeAddrs {
		name := fmt.Sprintf("edge-%d", i+1)
		edges[i] = startProcess(t, name, nil, bin, "edge", "-addr", addr, "-name", name, "-ping", "500ms",
			"-relay", "nats://edge:e-secret@"+natsAddr, "-talk", "keynote")
	}
	for i, addr := range edgeAddrs {
		edges[i].waitListening(t, addr)
	}

	front := loopbackAddr(t)
	nginx.Start(t, nginxtest.Config{
		HTTP:   strings.NewReplacer("{{front}}", front, "{{edge1}}", edgeAddrs[0], "{{edge2}}", edgeAddrs[1]).Replace(edgesNginx),
		Listen: []string{front},
	})

	// The presenter's socket, as the presenter's page sends key presses.
	dialCtx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	presenterSocket, _, err := protocol.Dial(dialCtx, "ws://"+presenterAddr+"/ws/presenter?key="+key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer presenterSocket.CloseNow()
	go func() { // read, so that its pings are answered
		for {
			if _, _, err := presenterSocket.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	press := func(index int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := presenterSocket.Write(ctx, protocol.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, index)); err != nil {
			t.Fatal(err)
		}
	}

	viaNginx, _ := browsertest.New(t)
	onEdge2, _ := browsertest.NewTab(t, viaNginx)
	if err := chromedp.Do(viaNginx, chromedp.Navigate("http://"+front+"/")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(onEdge2, chromedp.Navigate("http://"+edgeAddrs[1]+"/")); err != nil {
		t.Fatal(err)
	}
	tabs := map[string]context.Context{"the page through nginx (on edge-1)": viaNginx, "the page on edge-2": onEdge2}
	for what, tab := range tabs {
		browsertest.WaitFor(t, tab, what+", first slide", browsertest.Shows("frame", 0))
		browsertest.WaitFor(t, tab, what+", live", `document.getElementById('status').dataset.state === 'live'`)
	}
	press(1)
	for what, tab := range tabs {
		browsertest.WaitFor(t, tab, what+", after a key press", browsertest.Shows("frame", 1))
	}
	for _, base := range []string{edgeAddrs[0], edgeAddrs[1], front} {
		if got := fetch(t, "http://"+base+"/img/pic.png"); got != "\x89PNG through the relay" {
			t.Errorf("the deck's image from %s: %q", base, got)
		}
	}

	// edge-1 dies; the presenter moves on; the page that was on edge-1
	// reconnects through nginx to edge-2 and shows the new slide.
	edges[0].cmd.Process.Kill()
	<-edges[0].exited
	press(2)
	browsertest.WaitFor(t, onEdge2, "the page on edge-2, after edge-1 died", browsertest.Shows("frame", 2))
	browsertest.WaitFor(t, viaNginx, "the page of edge-1, back through nginx on edge-2", browsertest.Shows("frame", 2))
	browsertest.WaitFor(t, viaNginx, "the page of edge-1, live again", `document.getElementById('status').dataset.state === 'live'`)
	press(0)
	for what, tab := range tabs {
		browsertest.WaitFor(t, tab, what+", a key press after the failover", browsertest.Shows("frame", 0))
	}
}
