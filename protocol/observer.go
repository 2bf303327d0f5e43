package protocol

import "time"

// Direction says which way a frame went.
type Direction uint8

const (
	Inbound  Direction = iota // read from the peer
	Outbound                  // written to the peer
)

// String returns "in" or "out".
func (d Direction) String() string {
	if d == Outbound {
		return "out"
	}
	return "in"
}

// Frame is one frame as it crossed the wire, shown to an Observer. Its
// slices are valid only during the ObserveFrame call.
type Frame struct {
	Dir    Direction
	Time   time.Time
	Header Header
	Raw    []byte // the header's bytes exactly as on the wire
	// Payload is the payload as on the wire: masked when Header.Masked.
	// It is shorter than Header.Length when the connection failed in the
	// middle of the frame (say, at the first byte of invalid UTF-8), and
	// empty when the header itself was rejected.
	Payload  []byte
	Unmasked []byte // the payload unmasked (the same bytes as Payload when not masked)

	// Message is what the reader (or writer) knew of the data message
	// the frame belongs to: its type, OpText or OpBinary, which for a
	// continuation frame is the opcode of the message's first frame. It
	// is 0 for a control frame and for a continuation with no fragmented
	// message to continue.
	Message Opcode
	// Err is the violation of RFC 6455 the reader found in this frame and
	// failed the connection with, nil if none: a *ProtocolError (find it
	// with errors.As) that carries the close code and the rule broken.
	// Frames written are never in error. A Decoder, which reads on after
	// a violation, may join several with errors.Join.
	Err error
}

// Handshake is the opening handshake as it crossed the wire, shown to an
// Observer.
type Handshake struct {
	// Request is the request line and headers. The client side has them
	// exactly as sent. The server side rebuilds them in wire form from the
	// parsed http.Request (method, request URI, protocol, Host, then the
	// headers in canonical form, sorted), since net/http keeps no copy of
	// the bytes it read.
	Request []byte
	// Response is the status line and headers exactly as written (server)
	// or received (client).
	Response    []byte
	Key         string // Sec-WebSocket-Key
	Accept      string // Sec-WebSocket-Accept
	Subprotocol string // the subprotocol chosen, or ""
	// Deflate is the permessage-deflate answer the handshake settled on
	// (RFC 7692), or nil when the extension is not in use. The offer is
	// in Request's Sec-WebSocket-Extensions lines (ParseExtensions).
	Deflate *DeflateParams
}

// Observer sees a connection's handshake and every frame it reads or
// writes, for the frame inspector and "wiretalk echo -v". ObserveFrame is
// called from the goroutine that reads or writes the frame, in wire order
// for each direction; it must not block long, nor keep the slices. With
// an Observer each inbound frame's payload is also copied for it; without
// one, observing costs nothing.
type Observer interface {
	ObserveHandshake(Handshake)
	ObserveFrame(Frame)
}

// ObserverFuncs is an Observer made of functions; nil ones are skipped.
type ObserverFuncs struct {
	Handshake func(Handshake)
	Frame     func(Frame)
}

func (o ObserverFuncs) ObserveHandshake(h Handshake) {
	if o.Handshake != nil {
		o.Handshake(h)
	}
}

func (o ObserverFuncs) ObserveFrame(f Frame) {
	if o.Frame != nil {
		o.Frame(f)
	}
}

// frameRecord collects an inbound frame for the observer as it is read.
type frameRecord struct {
	hdr      Header
	raw      [MaxHeaderSize]byte
	rawLen   int
	masked   []byte
	unmasked []byte
	msg      Opcode // the frame's message (Frame.Message)
	err      error  // the violation found in it (Frame.Err)
	pending  bool   // started and not yet observed

	// outMsg is the type of the fragmented message being written, 0 when
	// none is: Frame.Message for outbound continuations. Fragments are
	// observed one at a time, under the write lock.
	outMsg Opcode
}

func (r *frameRecord) start(h Header, raw []byte, msg Opcode) {
	r.hdr = h
	r.rawLen = copy(r.raw[:], raw)
	r.masked = r.masked[:0]
	r.unmasked = r.unmasked[:0]
	r.msg = msg
	r.err = nil
	r.pending = true
}

// observeIn shows the inbound frame recorded so far to the observer, once.
func (c *Conn) observeIn() {
	r := c.obs
	if r == nil || !r.pending {
		return
	}
	r.pending = false
	c.observer.ObserveFrame(Frame{
		Dir:      Inbound,
		Time:     time.Now(),
		Header:   r.hdr,
		Raw:      r.raw[:r.rawLen],
		Payload:  r.masked,
		Unmasked: r.unmasked,
		Message:  r.msg,
		Err:      r.err,
	})
	// Do not keep a large message's copy for the life of the connection.
	if cap(r.masked) > readBufSize {
		r.masked, r.unmasked = nil, nil
	}
}

// observeOut shows a frame just written to the observer. For a fragment
// the caller holds the write lock.
func (c *Conn) observeOut(h Header, raw, payload, unmasked []byte) {
	// Only fragments touch outMsg: a prepared frame (one whole message
	// or a control frame) is observed after the write lock is released.
	var msg Opcode
	switch r := c.obs; h.Opcode {
	case OpText, OpBinary:
		msg = h.Opcode
		if !h.Fin {
			r.outMsg = msg
		}
	case OpContinuation:
		msg = r.outMsg
		if h.Fin {
			r.outMsg = 0
		}
	}
	c.observer.ObserveFrame(Frame{
		Dir:      Outbound,
		Time:     time.Now(),
		Header:   h,
		Raw:      raw,
		Payload:  payload,
		Unmasked: unmasked,
		Message:  msg,
	})
}

// TCPEvent is a step of the TCP connection's end, in the closing
// handshake (RFC 6455 §7.1.1).
type TCPEvent uint8

const (
	// TCPFinSent: this side closed its half of TCP (sent its FIN). A
	// server does so as soon as the closing handshake is done: "the
	// server SHOULD close the underlying TCP connection first".
	TCPFinSent TCPEvent = iota + 1
	// TCPFinReceived: the peer closed its half of TCP.
	TCPFinReceived
)

// TCPObserver is an Observer that is also told how the TCP connection
// ended, so that "the server closes first" can be seen. It is called
// from the goroutine closing the connection, and must not block long.
type TCPObserver interface {
	Observer
	ObserveTCP(TCPEvent, time.Time)
}

// observeTCP tells the observer, if it wants to know, of a step of the
// TCP connection's end.
func (c *Conn) observeTCP(e TCPEvent) {
	if o, ok := c.observer.(TCPObserver); ok {
		o.ObserveTCP(e, time.Now())
	}
}
