package protocol

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"
)

func TestNewPreparedEncodesOnce(t *testing.T) {
	payload := []byte("slide 12")
	m := NewPrepared(OpText, payload)
	want := append(AppendHeader(nil, Header{Fin: true, Opcode: OpText, Length: 8}), payload...)
	if !bytes.Equal(m.Bytes(), want) {
		t.Errorf("Bytes() = %x, want %x", m.Bytes(), want)
	}
	payload[0] = 'S'
	if m.Payload()[0] != 's' {
		t.Error("NewPrepared did not copy the payload")
	}
	if m.Opcode() != OpText {
		t.Errorf("Opcode() = %s", m.Opcode())
	}
	big := NewPrepared(OpBinary, make([]byte, 70000))
	if h, n, err := ParseHeader(big.Bytes()); err != nil || h.Length != 70000 || n != 10 || h.Masked {
		t.Errorf("large prepared frame: %v %d %v", h, n, err)
	}
}

func TestNewPreparedPanicsOnMisuse(t *testing.T) {
	for name, f := range map[string]func(){
		"close":            func() { NewPrepared(OpClose, nil) },
		"continuation":     func() { NewPrepared(OpContinuation, nil) },
		"reserved":         func() { NewPrepared(0x3, nil) },
		"RFC6455 5.5 ping": func() { NewPrepared(OpPing, make([]byte, 126)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// A server writes the prepared bytes as they are; a client must mask them
// with a fresh key (RFC 6455 §5.3), so it sends a masked copy.
func TestWritePrepared(t *testing.T) {
	m := NewPrepared(OpText, []byte("next slide"))
	for _, role := range []Role{RoleServer, RoleClient} {
		c, raw := newRawPair(t, role, connConfig{})
		go func() {
			c.WritePrepared(context.Background(), m)
			c.WritePrepared(context.Background(), NewPrepared(OpPing, []byte("p")))
			c.CloseNow()
		}()
		if role == RoleServer {
			raw.SetReadDeadline(time.Now().Add(5 * time.Second))
			got := make([]byte, len(m.Bytes()))
			if _, err := raw.Read(got); err != nil || !bytes.Equal(got, m.Bytes()) {
				t.Errorf("server wrote %x, want %x (%v)", got, m.Bytes(), err)
			}
			continue
		}
		frames, _ := readFrames(t, raw, 5*time.Second)
		if len(frames) != 2 || !frames[0].Masked || string(frames[0].Payload) != "next slide" || frames[1].Opcode != OpPing {
			t.Errorf("client wrote %v", frameList(frames))
		}
	}
}

// One Prepared, many connections at once.
func TestWritePreparedToMany(t *testing.T) {
	m := NewPrepared(OpBinary, bytes.Repeat([]byte{7}, 3000))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		server, client := newConnPair(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if err := server.WritePrepared(context.Background(), m); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				op, p, err := client.Read(context.Background())
				if err != nil || op != OpBinary || !bytes.Equal(p, m.Payload()) {
					t.Errorf("read %s %d bytes, %v", op, len(p), err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
