package protocol

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Conn is one WebSocket connection, made by Accept (server) or Dial
// (client).
//
// Concurrency: one goroutine at a time reads (Read, Reader and the reader
// it returns); any number of goroutines may write (Write, Writer,
// WriteFragments, WritePrepared, Ping, Close) and call the other methods.
// Writes are serialized inside Conn: the frames of one data message are
// never interleaved with another message's, but control frames (a ping, the
// automatic pong, a close) may go out between the fragments of a data
// message, as RFC 6455 §5.4 allows: "An endpoint MUST be capable of
// handling control frames in the middle of a fragmented message."
//
// Control frames from the peer are handled by the reading goroutine: a ping
// is answered with a pong, a close is answered with a close. They are only
// seen while someone is reading, so a connection that writes must also
// keep a goroutine in Read.
//
// Contexts bound single calls. A context's deadline becomes the socket's
// deadline; a context without a deadline but that can be cancelled is
// watched with context.AfterFunc; context.Background costs nothing. A
// context that ends while Read waits for a new message leaves the
// connection usable; one that ends in the middle of a message or a frame
// write closes the connection, whose stream would be broken.
type Conn struct {
	// What a frame write looks at, together in the first 128 bytes (two
	// cache lines: Conn's size class, 704, is a multiple of 64): a
	// broadcast to 10,000 sockets with TryWritePrepared touches these and
	// no other part of each Conn.
	msgLock    ctxMutex // held for a whole data message
	wlock      ctxMutex // held for one frame
	nc         net.Conn
	shut       atomic.Bool // set as Done closes: closed() without touching the channel
	closeSent  atomic.Bool // a close frame has been sent or is being sent
	role       Role
	observer   Observer
	raw        syscall.RawConn       // nc's socket, for readIdle, writeNow and writeAll; else nil
	wnowStep   func(fd uintptr) bool // c.rawWrite, made on first use
	wnowRes    int                   // what wnowStep wrote, or minus the errno it met
	wnow       *Prepared             // the frame wnowStep writes
	writeWatch ctxWatch              // its first field, dirty, is the last of the 128 bytes

	wallStep func(fd uintptr) bool // c.rawWriteAll, made on first use
	wall     []byte                // what wallStep has still to write
	wallErr  error                 // and the error it met

	rawStep      func(fd uintptr) bool // c.rawRead, made once
	rawN         int                   // what rawStep read
	rawErr       error                 // and the error it met
	subprotocol  string
	closeTimeout time.Duration
	readLimit    atomic.Int64 // 0: no limit

	// Reading; owned by whoever holds rlock.
	rlock         ctxMutex
	rbuf          []byte             // c.small[:] while idle, else a pooled buffer
	rpooled       *[readBufSize]byte // the pooled buffer behind rbuf, or nil
	rpos          int                // rbuf[rpos:rend] is read from nc and not consumed yet
	rend          int
	rfull         bool   // the last socket read filled rbuf: more is probably waiting
	lent          bool   // the payload the last Read returned lies in rbuf
	hdr           Header // the frame being read
	left          int64  // payload bytes of hdr not yet read
	maskPos       int    // offset in hdr's payload, for unmasking
	msgActive     bool   // a data message has started and its last frame is not done
	msgOp         Opcode // its opcode: OpText or OpBinary
	msgCompressed bool   // its first frame had RSV1 set (permessage-deflate)
	msgSize       int64  // the lengths of its frames so far, as announced
	utf8          UTF8Validator
	msg           *msgBuffer // what the last Read returned, pooled
	reader        msgReader
	readWatch     ctxWatch
	obs           *frameRecord // the inbound frame being recorded for the observer
	small         [smallReadSize]byte

	// Writing.
	writer msgWriter
	hbuf   [MaxHeaderSize]byte // the header being written
	keys   []byte              // client only: crypto/rand bytes for masking keys
	keyPos int

	// Closing.
	closeMu sync.Mutex
	err     error // why the connection closed; set once
	done    chan struct{}

	lastPong atomic.Int64  // UnixNano of the last pong read, 0 if none
	pongs    atomic.Uint64 // pongs read so far
	hbMu     sync.Mutex
	hb       *heartbeat

	deflate *connDeflate // permessage-deflate, nil when not negotiated
}

// Sizes of the read buffers. An idle connection waits for its next frame
// in the small array inside Conn, so it holds no read buffer; a pooled
// buffer is taken while frames are being read and given back when the
// socket is drained.
const (
	smallReadSize = 64
	readBufSize   = 4096
)

var readBufPool = sync.Pool{New: func() any { return new([readBufSize]byte) }}

// Defaults for the zero values of the options.
const (
	DefaultReadLimit    = 32 << 20
	DefaultCloseTimeout = 5 * time.Second
)

// connConfig is what Accept and Dial tell newConn.
type connConfig struct {
	role         Role
	subprotocol  string
	readLimit    int64 // 0: default; negative: none
	observer     Observer
	closeTimeout time.Duration
	buffered     []byte // bytes read from nc after the handshake
	deflate      *connDeflate
}

func newConn(nc net.Conn, cfg connConfig) *Conn {
	c := &Conn{
		nc:           nc,
		role:         cfg.role,
		subprotocol:  cfg.subprotocol,
		observer:     cfg.observer,
		closeTimeout: cfg.closeTimeout,
		done:         make(chan struct{}),
		deflate:      cfg.deflate,
	}
	if c.raw = rawConnOf(nc); c.raw != nil {
		c.rawStep = c.rawRead
	}
	if c.closeTimeout <= 0 {
		c.closeTimeout = DefaultCloseTimeout
	}
	switch {
	case cfg.readLimit == 0:
		c.readLimit.Store(DefaultReadLimit)
	case cfg.readLimit > 0:
		c.readLimit.Store(cfg.readLimit)
	}
	c.rbuf = c.small[:]
	switch n := len(cfg.buffered); {
	case n > readBufSize:
		// Not from net/http's 4 KiB reader nor from Dial, but be safe: a
		// buffer of its own, dropped once drained.
		c.rbuf = append([]byte(nil), cfg.buffered...)
		c.rend = n
	case n > 0:
		if n > smallReadSize {
			c.takeReadBuf()
		}
		c.rend = copy(c.rbuf, cfg.buffered)
	}
	c.readWatch.set = nc.SetReadDeadline
	c.writeWatch.set = nc.SetWriteDeadline
	c.reader.c = c
	c.writer.c = c
	if c.role == RoleClient {
		c.keys = make([]byte, 64)
		c.keyPos = len(c.keys)
	}
	if c.observer != nil {
		c.obs = new(frameRecord)
	}
	return c
}

// Subprotocol returns the subprotocol chosen in the handshake, or "".
func (c *Conn) Subprotocol() string { return c.subprotocol }

// RemoteAddr returns the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// SetReadLimit sets the largest message, in bytes, that reads accept; n ≤ 0
// removes the limit. A message whose frames announce more fails the
// connection with 1009 (message too big) before the excess is read. A
// compressed message (permessage-deflate) fails with 1009 once it has
// inflated to more than n bytes; its frames may carry up to n + n/8 + 1 KiB,
// as incompressible data grows a little when compressed.
func (c *Conn) SetReadLimit(n int64) {
	if n < 0 {
		n = 0
	}
	c.readLimit.Store(n)
}

// Done returns a channel that is closed when the connection is closed for
// good.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection closed: the peer's *CloseError, the
// *ProtocolError the connection was failed with, io.EOF when the peer
// closed TCP without a close frame, ErrHeartbeatTimeout, or the I/O error.
// It returns nil while the connection is open.
func (c *Conn) Err() error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if !c.shut.Load() {
		return nil
	}
	return c.err
}

// setErr records err as the reason the connection closes, unless one is
// recorded already.
func (c *Conn) setErr(err error) {
	c.closeMu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.closeMu.Unlock()
}

// reason returns the recorded reason, or fallback when there is none.
func (c *Conn) reason(fallback error) error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.err != nil {
		return c.err
	}
	return fallback
}

// closed reports whether the connection is closed for good.
func (c *Conn) closed() bool { return c.shut.Load() }

// CloseNow closes the TCP connection at once, without the closing
// handshake. Err then returns net.ErrClosed unless the connection had
// already closed for another reason.
func (c *Conn) CloseNow() error {
	if !c.closeNow(net.ErrClosed) {
		return net.ErrClosed
	}
	return nil
}

// closeNow records err, closes Done and the socket. It reports whether
// this call closed the connection.
func (c *Conn) closeNow(err error) bool {
	c.closeMu.Lock()
	if c.shut.Load() {
		c.closeMu.Unlock()
		return false
	}
	if c.err == nil {
		c.err = err
	}
	c.shut.Store(true)
	close(c.done)
	c.closeMu.Unlock()
	c.nc.Close()
	c.readWatch.stop()
	c.writeWatch.stop()
	c.stopHeartbeat()
	return true
}

// Errors of the closing handshake.
var (
	errCloseSent    = errors.New("websocket: close frame already sent")
	errCloseTimeout = errors.New("websocket: timed out waiting for the peer's close frame")
)

// Close starts the closing handshake (RFC 6455 §7.1.2): it sends a close
// frame with code and reason, waits up to the close timeout for the peer's
// close frame, and closes the connection. A server closes TCP as soon as
// the handshake is done; a client waits for the server to close it first
// (§7.1.1). StatusNoStatusReceived sends a close frame without a code; any
// other code must be valid on the wire. It returns nil when the peer
// answered in time.
//
// Whoever is blocked in Read sees the peer's close frame and returns its
// *CloseError; if no one is reading, Close reads (and discards) the
// peer's remaining frames itself.
func (c *Conn) Close(code StatusCode, reason string) error {
	if code != StatusNoStatusReceived && !code.ValidOnWire() {
		return errors.New("websocket: close code " + code.String() + " may not be sent")
	}
	if c.closed() {
		return net.ErrClosed
	}
	deadline := time.Now().Add(c.closeTimeout)
	if c.closeSent.Swap(true) {
		// Someone else is closing: wait for them.
		return c.waitDone(deadline)
	}
	if err := c.writeClose(code, reason, deadline); err != nil {
		c.closeNow(err)
		return err
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if c.rlock.lock(ctx, c.done) == nil {
		// Nobody is reading: read the peer's frames until its close.
		c.drainUntilClose(deadline)
		c.rlock.unlock()
	}
	return c.waitDone(deadline)
}

// waitDone waits until the connection is closed or the deadline passes,
// then closes it; it returns nil when the peer completed the closing
// handshake.
func (c *Conn) waitDone(deadline time.Time) error {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-c.done:
	case <-timer.C:
		c.closeNow(errCloseTimeout)
	}
	var ce *CloseError
	if err := c.Err(); !errors.As(err, &ce) {
		return err
	}
	return nil
}

// fail fails the connection (RFC 6455 §7.1.7): it sends a close frame
// with err's close code when it is a *ProtocolError (best effort, within a
// short timeout), closes TCP, and returns err, which reads and writes
// return from then on. The caller must hold rlock.
func (c *Conn) fail(err error) error {
	c.setErr(err)
	if pe, ok := err.(*ProtocolError); ok && !c.closeSent.Swap(true) {
		c.writeClose(pe.Code, pe.Reason, time.Now().Add(failTimeout(c.closeTimeout)))
	}
	c.shutdown(failTimeout(c.closeTimeout))
	c.closeNow(err)
	return c.reason(err)
}

// failTimeout bounds the close frame and the lingering of a failed
// connection.
func failTimeout(closeTimeout time.Duration) time.Duration {
	return min(closeTimeout, time.Second)
}

// shutdown ends the TCP connection gracefully: a server sends its FIN
// first (RFC 6455 §7.1.1: "the server SHOULD close the underlying TCP
// connection first"); both then read and discard until the peer's FIN or
// the timeout, so that unread bytes do not turn the close into a reset
// that could destroy the close frame in flight. The caller must hold rlock.
func (c *Conn) shutdown(wait time.Duration) {
	if c.closed() {
		return
	}
	if c.role == RoleServer {
		if cw, ok := c.nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			c.observeTCP(TCPFinSent)
		}
	}
	c.nc.SetReadDeadline(time.Now().Add(wait))
	c.rpos, c.rend = 0, 0
	for {
		if _, err := c.nc.Read(c.rbuf); err != nil {
			if errors.Is(err, io.EOF) {
				c.observeTCP(TCPFinReceived)
			}
			break
		}
	}
}

// lock takes m, giving up when ctx ends or the connection closes.
func (c *Conn) lock(ctx context.Context, m *ctxMutex) error {
	err := m.lock(ctx, c.done)
	if err == errLockDone {
		return c.reason(net.ErrClosed)
	}
	return err
}

// ctxWatch applies contexts to one direction of the socket: a context's
// deadline becomes the socket's deadline, and a context that is cancelled
// sets a deadline in the past to interrupt the blocked call. The
// context.AfterFunc registration is kept while the same context is used
// again, so a loop that passes one context to every call allocates once.
type ctxWatch struct {
	dirty  bool                  // the socket has a deadline; first, for Conn's layout
	active bool                  // a call is in progress
	set    func(time.Time) error // nc.SetReadDeadline or nc.SetWriteDeadline

	mu     sync.Mutex
	done   <-chan struct{} // the Done channel watched
	stopFn func() bool
}

// aLongTimeAgo is a deadline in the past: it interrupts blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// start prepares a call under ctx. It returns ctx.Err() when ctx has
// ended already.
func (w *ctxWatch) start(ctx context.Context) error {
	done := ctx.Done()
	if done == nil {
		if w.dirty {
			w.set(time.Time{})
			w.dirty = false
		}
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if done != w.done {
		if w.stopFn != nil {
			w.stopFn()
		}
		w.done = done
		w.stopFn = context.AfterFunc(ctx, func() { w.fire(done) })
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.active = true
	if d, ok := ctx.Deadline(); ok {
		w.set(d)
		w.dirty = true
	} else if w.dirty {
		w.set(time.Time{})
		w.dirty = false
	}
	return nil
}

// end finishes a call started with start.
func (w *ctxWatch) end(ctx context.Context) {
	if ctx.Done() == nil {
		return
	}
	w.mu.Lock()
	w.active = false
	w.mu.Unlock()
}

func (w *ctxWatch) fire(done <-chan struct{}) {
	w.mu.Lock()
	if w.active && w.done == done {
		w.set(aLongTimeAgo)
		w.dirty = true
	}
	w.mu.Unlock()
}

// stop drops the context registration, so that a long-lived context does
// not keep a closed connection alive.
func (w *ctxWatch) stop() {
	w.mu.Lock()
	if w.stopFn != nil {
		w.stopFn()
		w.stopFn = nil
	}
	w.done = nil
	w.mu.Unlock()
}

// ctxErr returns ctx's error when err is the timeout of a deadline that
// ctx set (or made us set), else nil.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Done() == nil || !isTimeout(err) {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	// The socket's deadline can fire a moment before ctx's timer does.
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
