package demo

import (
	"encoding/hex"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"wiretalk/protocol"
)

// Every control of the lab that breaks a rule is shown with that rule
// broken: the inspector's own checks find a violation in its frames, and
// in none of the valid controls' frames. The frames go through the
// specimen's observer in order, as they would on the wire.
func TestLabRulesAreCaughtByTheInspector(t *testing.T) {
	rules := labRules()
	if len(rules) < 19 {
		t.Fatalf("%d lab rules, want the 19 of issue 22 and more", len(rules))
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			t.Errorf("two rules named %q", r.ID)
		}
		seen[r.ID] = true
		t.Run(r.ID, func(t *testing.T) {
			if r.Page != "" {
				if len(r.frames) != 0 || r.Handshake != "" {
					t.Error("a control where the page acts sends no frames")
				}
				return
			}
			if r.Handshake != "" {
				const key = "AQIDBAUGBwgJCgsMDQ4PEA=="
				resp := brokenResponse(r.ID, key)
				good := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
					protocol.ComputeAccept(key) + "\r\n\r\n"
				if resp == "" || resp == good || !strings.Contains(resp, "\r\n\r\n") {
					t.Fatalf("handshake lab %s answers %q", r.ID, resp)
				}
				if len(r.frames) != 0 || r.Valid {
					t.Error("a handshake control sends no frames and is not valid")
				}
				return
			}
			if r.Drop {
				if len(r.frames) != 0 {
					t.Fatal("a drop sends no frames")
				}
				return
			}
			// As the specimen's Lab shows them: judged by a Decoder as
			// the client receives them, in order.
			dec := protocol.Decoder{Role: protocol.RoleClient}
			var vs []Violation
			for i, b := range r.frames {
				if got := strings.ReplaceAll(r.Bytes[i], " ", ""); got != hex.EncodeToString(b) {
					t.Errorf("Bytes[%d] = %s, want % x", i, r.Bytes[i], b)
				}
				f, n, err := dec.Decode(b)
				if errors.Is(err, protocol.ErrLengthUnknown) {
					n, err = len(b), nil // its end cannot be known: the header is judged
				}
				if err != nil || n != len(b) {
					t.Fatalf("frame %d (% x) is not one whole frame: %d bytes, %v", i, b, n, err)
				}
				f.Dir, f.Time = protocol.Outbound, time.Now()
				rec := FromFrame(f, i+1, time.Now())
				vs = append(vs, rec.Frame.Violations...)
			}
			if r.Valid && len(vs) > 0 {
				t.Errorf("valid control %q: the inspector says %+v", r.Title, vs)
			}
			if !r.Valid && len(vs) == 0 {
				t.Errorf("%q breaks %s, but the inspector finds nothing wrong", r.Title, r.Rule)
			}
			if !r.Valid && r.Expect != 1002 && r.Expect != 1007 && r.ID != "afterclose" {
				t.Errorf("expect %d: a browser fails the connection with 1002 or 1007", r.Expect)
			}
		})
	}
	for _, want := range []string{"masked", "rsv1", "op3", "opB", "ping126", "fragping", "nonminimal", "orphan", "interleave", "close1", "close1005", "badutf8", "splitutf8"} {
		if !seen[want] {
			t.Errorf("no lab rule %q", want)
		}
	}
}

// A lab command reaches the asking viewer's specimen and no one else's:
// viewer A's independent client gets a frame with a reserved opcode and
// fails its connection with 1002, A's inspector shows both frames, and viewer B,
// connected all along, sees nothing of it and still gets its echoes.
func TestLabBreaksOnlyTheAskingViewersConnection(t *testing.T) {
	_, srv := newServer(t, Options{})
	a, b := openViewer(t, srv), openViewer(t, srv)
	a.openSpecimen(srv)
	b.openSpecimen(srv)
	a.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })
	b.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })

	a.command(command{Type: "lab", Rule: "op3"})
	out := a.waitFrame("the reserved opcode", func(f *FrameRecord) bool { return f.Dir == "out" && f.Opcode == 3 })
	if out.Frame.Header != "8305" || len(out.Frame.Violations) == 0 {
		t.Errorf("masked frame record: header %s payload %q violations %+v", out.Frame.Header, out.Frame.Payload, out.Frame.Violations)
	}
	if e := a.nextEcho(); e.err == nil {
		t.Errorf("A's client read %v, want it to fail the connection", e.err)
	}
	in := a.waitFrame("A's client's close", func(f *FrameRecord) bool { return f.Dir == "in" && f.Close != nil })
	if in.Frame.Close.Code != 1002 {
		t.Errorf("A's client closed with %d %q, want 1002", in.Frame.Close.Code, in.Frame.Close.Reason)
	}

	b.send(websocket.MessageText, []byte("still here"))
	if e := b.nextEcho(); e.err != nil || string(e.p) != "still here" {
		t.Fatalf("B's echo: %q, %v", e.p, e.err)
	}
	for _, r := range b.wait("B's echo", func(rs []Record) bool {
		for _, r := range rs {
			if r.Frame != nil && r.Frame.Dir == "out" {
				return true
			}
		}
		return false
	}) {
		if r.Frame != nil && (r.Frame.Opcode == 3 || len(r.Frame.Violations) > 0) {
			t.Errorf("viewer B saw a lab frame: %s", dump([]Record{r}))
		}
	}
}

// Without a specimen, and for a rule that does not exist, the lab sends
// nothing and says why.
func TestLabRefusesWithoutASpecimenOrARule(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.command(command{Type: "lab", Rule: "masked"})
	if n := v.waitNotice("command"); !strings.Contains(n.Notice.Text, "No specimen") {
		t.Errorf("notice %q", n.Notice.Text)
	}
	v.openSpecimen(srv)
	v.command(command{Type: "lab", Rule: "<script>"})
	if n := v.waitNotice("command", 2); !strings.Contains(n.Notice.Text, "Unknown lab rule") {
		t.Errorf("notice %q", n.Notice.Text)
	}
	v.send(websocket.MessageText, []byte("fine"))
	if e := v.nextEcho(); e.err != nil || string(e.p) != "fine" {
		t.Fatalf("echo after refused commands: %q, %v", e.p, e.err)
	}
}

// The raw write path is reachable from one place only. In the whole
// module, protocol.AcceptLab is called by the specimen's handler and
// nothing else, Lab.Send only by the lab, and the unexported writeRaw
// only by Lab.Send; a feed's runLab only from the feed's own commands.
// So the hub, the presenter socket, the feed socket and every connection
// made with Accept or Dial cannot send an invalid frame.
func TestOnlyTheSpecimenCanBreakTheProtocol(t *testing.T) {
	calls := map[string][]string{} // callee -> files:functions that call it
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && d.Name() != ".." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					switch sel.Sel.Name {
					case "AcceptLab", "writeRaw", "runLab", "Send":
						calls[sel.Sel.Name] = append(calls[sel.Sel.Name], filepath.ToSlash(path)+":"+fn.Name.Name)
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"AcceptLab": {"../demo/specimen.go:ServeSpecimen"},
		"writeRaw":  {"../protocol/raw.go:Send"},
		"runLab":    {"../demo/feed.go:do"},
	}
	for callee, callers := range want {
		if strings.Join(calls[callee], " ") != strings.Join(callers, " ") {
			t.Errorf("%s is called from %q, want only %q", callee, calls[callee], callers)
		}
	}
	for _, c := range calls["Send"] {
		if strings.HasPrefix(c, "../server/") || strings.HasPrefix(c, "../relay/") {
			t.Errorf("%s calls a Send: only the lab may hold a protocol.Lab", c)
		}
	}
}

// A Lab handed out for one specimen is forgotten when it ends.
func TestLabIsForgottenWithItsSpecimen(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	v.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })
	v.spec.Close(websocket.StatusNormalClosure, "")
	v.waitNotice("closed")
	v.command(command{Type: "lab", Rule: "rsv1"})
	if n := v.waitNotice("command"); !strings.Contains(n.Notice.Text, "No specimen") {
		t.Errorf("after the specimen closed: %q", n.Notice.Text)
	}
}

// Lab commands are rate-limited with the feed's other commands: past the
// burst, a command is ignored with a notice, and sends nothing.
func TestLabCommandsAreRateLimited(t *testing.T) {
	_, srv := newServer(t, Options{Rate: 0.5, Burst: 1})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	v.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })
	for range 3 {
		v.command(command{Type: "lab", Rule: "pong"})
	}
	v.waitNotice("rate", 2)
	v.wait("the one pong", func(rs []Record) bool {
		for _, r := range rs {
			if r.Frame != nil && r.Frame.Opcode == 0xA {
				return true
			}
		}
		return false
	})
	time.Sleep(200 * time.Millisecond) // for a second one, which must not come
	v.mu.Lock()
	rs := v.records
	v.mu.Unlock()
	pongs := 0
	for _, r := range rs {
		if r.Frame != nil && r.Frame.Opcode == 0xA {
			pongs++
		}
	}
	if pongs != 1 {
		t.Errorf("%d lab frames sent for 3 commands with a burst of 1, want 1:\n%s", pongs, dump(rs))
	}
}
