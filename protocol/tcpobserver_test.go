package protocol

import (
	"context"
	"sync"
	"testing"
	"time"
)

// tcpLog is a frameLog that also records how TCP ended.
type tcpLog struct {
	frameLog
	mu  sync.Mutex
	tcp []TCPEvent
}

func (l *tcpLog) ObserveTCP(e TCPEvent, _ time.Time) {
	l.mu.Lock()
	l.tcp = append(l.tcp, e)
	l.mu.Unlock()
}

func (l *tcpLog) events() []TCPEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]TCPEvent(nil), l.tcp...)
}

// RFC 6455 §7.1.1: after the closing handshake the server closes TCP
// first. A TCPObserver on the server sees its own FIN go out, then the
// client's come in; the client's observer sees the server's FIN first.
func TestTCPObserverSeesTheServerCloseFirst(t *testing.T) {
	a, b := tcpPair(t)
	slog, clog := &tcpLog{}, &tcpLog{}
	server := newConn(a, connConfig{role: RoleServer, observer: slog})
	client := newConn(b, connConfig{role: RoleClient, observer: clog})
	t.Cleanup(func() { server.CloseNow(); client.CloseNow() })
	done := make(chan error, 1)
	go func() {
		_, _, err := server.Read(context.Background()) // answers the close
		done <- err
	}()
	if err := client.Close(StatusNormalClosure, "bye"); err != nil {
		t.Fatal(err)
	}
	<-done
	waitClosed(t, server, 5*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for len(slog.events()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := slog.events(); len(got) != 2 || got[0] != TCPFinSent || got[1] != TCPFinReceived {
		t.Errorf("server saw %v, want its FIN sent, then the client's received", got)
	}
	if got := clog.events(); len(got) == 0 || got[0] != TCPFinReceived {
		t.Errorf("client saw %v, want the server's FIN first", got)
	}
	for _, e := range clog.events() {
		if e == TCPFinSent {
			t.Error("the client reported a FIN of its own before closing: only a server closes its half first")
		}
	}
}
