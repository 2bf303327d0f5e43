package protocol

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A Lab sends its bytes exactly, the observer sees the frame it sent, and
// our own client fails the connection as a browser does: with 1002.
func TestLabSendsInvalidBytesAndThePeerFails(t *testing.T) {
	masked := []byte{0x81, 0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1}
	slog := &frameLog{}
	sent := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, lab, err := AcceptLab(w, r, &AcceptOptions{Observer: slog})
		if err != nil {
			sent <- err
			return
		}
		defer c.CloseNow()
		sent <- lab.Send(context.Background(), masked)
		c.Read(context.Background()) // the client's close
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	_, _, err = c.Read(ctx)
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Code != StatusProtocolError || !strings.Contains(pe.Reason, "masked") {
		t.Fatalf("client read %v, want a 1002 protocol error about masking", err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	out := slog.get(Outbound)
	if len(out) == 0 {
		t.Fatal("observer saw no outbound frame")
	}
	f := out[0] // then perhaps the server's answer to the client's close
	if !f.Header.Masked || f.Header.Opcode != OpText || !bytes.Equal(f.Raw, masked[:6]) || string(f.Unmasked) != "hello" {
		t.Errorf("observed %+v raw % x unmasked %q", f.Header, f.Raw, f.Unmasked)
	}
	if pe := (*ProtocolError)(nil); !errors.As(f.Err, &pe) || pe.Rule != "5.1" {
		t.Errorf("observed with Err %v, want the rule of §5.1", f.Err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(slog.get(Inbound)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	in := slog.get(Inbound)
	if len(in) != 1 || in[0].Header.Opcode != OpClose || closeCodeOf(in[0].Unmasked) != StatusProtocolError {
		t.Errorf("server saw %d inbound frames, want the client's close 1002", len(in))
	}
}

func closeCodeOf(p []byte) StatusCode {
	ce, err := ParseClosePayload(p)
	if err != nil {
		return 0
	}
	return ce.Code
}

// A raw frame whose header cannot be parsed is still shown with what it
// says; a raw close marks the close as sent, so nothing follows it.
func TestLabObservesBadHeadersAndCountsItsClose(t *testing.T) {
	server, client, slog, _ := observedPair(t)
	lab := &Lab{c: server, dec: Decoder{Role: RoleClient}}
	ctx := context.Background()
	nonMinimal := []byte{0x81, 126, 0, 5, 'h', 'e', 'l', 'l', 'o'}
	oneByteClose := []byte{0x88, 1, 3}
	go func() {
		for {
			if _, _, err := client.Read(ctx); err != nil {
				return
			}
		}
	}()
	if err := lab.Send(ctx, nonMinimal, oneByteClose); err != nil {
		t.Fatal(err)
	}
	out := slog.get(Outbound)
	if len(out) != 2 {
		t.Fatalf("observed %d frames, want 2", len(out))
	}
	if out[0].Header.Length != 5 || len(out[0].Raw) != 4 || string(out[0].Unmasked) != "hello" {
		t.Errorf("non-minimal frame observed as %+v raw % x payload %q", out[0].Header, out[0].Raw, out[0].Unmasked)
	}
	if out[1].Header.Opcode != OpClose || !bytes.Equal(out[1].Unmasked, []byte{3}) {
		t.Errorf("close observed as %+v payload % x", out[1].Header, out[1].Unmasked)
	}
	// Each is judged as the client receives it.
	for i, f := range out {
		var pe *ProtocolError
		if !errors.As(f.Err, &pe) || pe.Code != StatusProtocolError || pe.Rule == "" {
			t.Errorf("frame %d observed with Err %v, want the 1002 rule it breaks", i, f.Err)
		}
	}
	if err := server.Write(ctx, OpText, []byte("after")); !errors.Is(err, errCloseSent) && err == nil {
		t.Errorf("a data frame after the raw close was written (err %v)", err)
	}
	if err := lab.Send(ctx, []byte{0x81, 0}); err == nil {
		t.Error("a raw frame after the raw close was written")
	}
}

// A Lab not made by AcceptLab sends nothing.
func TestZeroLabSendsNothing(t *testing.T) {
	var lab Lab
	if err := lab.Send(context.Background(), []byte{0x81, 0}); !errors.Is(err, ErrNoLab) {
		t.Fatalf("zero Lab: %v, want ErrNoLab", err)
	}
	var nilLab *Lab
	if err := nilLab.Send(context.Background(), []byte{0x81, 0}); !errors.Is(err, ErrNoLab) {
		t.Fatalf("nil Lab: %v, want ErrNoLab", err)
	}
}
