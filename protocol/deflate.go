package protocol

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"sync"
)

// permessage-deflate's codec (RFC 7692 §7.2), apart from Conn: a
// deflater compresses messages, an Inflater inflates them. Both work on
// whole messages or on a message's pieces as they come, and both keep or
// drop the LZ77 context (the last 32 KiB) between messages as negotiated.

// deflateTail is what §7.2.1 strips from the end of a compressed message:
// the LEN and NLEN of the empty stored block a sync flush ends with.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// inflateTail is appended to a compressed message to inflate it. §7.2.2:
// "Append 4 octets of 0x00 0x00 0xff 0xff to the tail end of the
// payload of the message." We append a final empty stored block too
// (BFINAL=1, BTYPE=00, LEN=0, NLEN=0xffff), so that compress/flate ends
// the message with io.EOF: a message cut short inside a block then runs
// into the true end of the data, an io.ErrUnexpectedEOF.
var inflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// windowSize is DEFLATE's largest window: the most a back-reference can
// reach, so the most of the past a context has to keep.
const windowSize = 32 << 10

// flateWriter is a compress/flate writer and the buffer it writes into;
// they are pooled together, per level (1 to 9), so that a pooled writer
// refers to no connection. A writer is about 1.2 MB.
type flateWriter struct {
	fw  *flate.Writer
	out appendWriter
}

var flateWriterPools [flate.BestCompression + 1]sync.Pool

func normLevel(level int) int {
	if level == flate.DefaultCompression {
		return 6 // what compress/flate means by it
	}
	if level < flate.BestSpeed || level > flate.BestCompression {
		return flate.BestSpeed
	}
	return level
}

func getFlateWriter(level int) *flateWriter {
	if w, ok := flateWriterPools[level].Get().(*flateWriter); ok {
		w.fw.Reset(&w.out)
		return w
	}
	w := new(flateWriter)
	w.fw, _ = flate.NewWriter(&w.out, level) // level is valid: no error
	return w
}

// appendWriter collects what a flate.Writer writes.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// deflater compresses the messages one side sends. With context
// takeover it keeps its flate.Writer, whose window runs across messages;
// without, it takes one from the pool for each message.
type deflater struct {
	level    int
	takeover bool
	w        *flateWriter // held while a message is compressed, or for good with takeover
}

func newDeflater(cfg *deflateConfig) *deflater {
	return &deflater{level: normLevel(cfg.level), takeover: cfg.sendTakeover}
}

// begin readies the writer for a message, whose compressed bytes will be
// appended to dst.
func (d *deflater) begin(dst []byte) {
	if d.w == nil {
		d.w = getFlateWriter(d.level)
	}
	d.w.out.b = dst
}

// write compresses p and returns dst with what the compressor has
// produced so far (it may hold some back).
func (d *deflater) write(p []byte) []byte {
	d.w.fw.Write(p) // an appendWriter does not fail
	return d.take()
}

// finish ends the message: a sync flush, whose empty stored block's
// 00 00 ff ff is stripped (§7.2.1), and returns the message's last bytes
// (after those set with keep). Without context takeover the writer goes
// back to its pool.
func (d *deflater) finish() []byte {
	d.w.fw.Flush()
	b := d.take()
	// §7.2.1: "If the resulting data does not end with an empty DEFLATE
	// block with no compression ..., append an empty DEFLATE block with
	// no compression to the tail end. Remove 4 octets (that are 0x00 0x00
	// 0xff 0xff) from the tail end." Flush always ends with that block.
	b = bytes.TrimSuffix(b, deflateTail)
	if !d.takeover {
		d.release()
	}
	return b
}

// keep makes finish return b followed by the flush.
func (d *deflater) keep(b []byte) { d.w.out.b = b }

func (d *deflater) take() []byte {
	b := d.w.out.b
	d.w.out.b = nil
	return b
}

// compress appends p compressed, tail stripped, to dst.
func (d *deflater) compress(dst, p []byte) []byte {
	d.begin(dst)
	d.w.fw.Write(p)
	return d.finish()
}

// release gives the writer back to its pool.
func (d *deflater) release() {
	if d.w != nil {
		d.w.out.b = nil
		flateWriterPools[d.level].Put(d.w)
		d.w = nil
	}
}

// Inflater inflates the messages of one direction of a permessage-deflate
// connection, one after the other (RFC 7692 §7.2.2). With context
// takeover it keeps the last 32 KiB it inflated, which the next message
// may refer back to; its decompressor is pooled between messages either
// way. The zero value inflates without context takeover.
//
// Conn uses one per connection; the frame inspector and "wiretalk decode
// -deflate" use it to show what compressed frames carry.
type Inflater struct {
	// Takeover says the peer keeps its context across messages: it did
	// not agree to server_no_context_takeover (inflating a server's
	// messages) or client_no_context_takeover (a client's).
	Takeover bool
	window   []byte // the last ≤ 32 KiB inflated, with Takeover
	st       *inflateState
}

// inflateState is what an Inflater holds while a message is inflated.
type inflateState struct {
	fr  io.ReadCloser // compress/flate's decompressor, a flate.Resetter
	src inflateSource
	buf [4096]byte // src's buffer when reading from an io.Reader
}

var inflateStatePool = sync.Pool{New: func() any {
	st := new(inflateState)
	st.fr = flate.NewReader(&st.src)
	return st
}}

// inflateSource gives compress/flate a message's compressed bytes, then
// inflateTail. It is a flate.Reader (it has ReadByte), so that the
// decompressor reads no further than it needs and makes no bufio.Reader.
type inflateSource struct {
	r    io.Reader // where the bytes come from, or nil when all are in b
	b    []byte    // bytes to give before reading r again
	buf  []byte    // the buffer r is read into
	tail int       // how much of inflateTail has been given
	err  error     // r's error other than io.EOF
}

func (s *inflateSource) more() bool {
	if len(s.b) > 0 {
		return true
	}
	if s.r != nil {
		for range 100 {
			n, err := s.r.Read(s.buf)
			s.b = s.buf[:n]
			if err != nil {
				if err != io.EOF {
					s.err = err
				}
				s.r = nil
			}
			if n > 0 {
				return true
			}
			if s.r == nil {
				break
			}
		}
		if s.r != nil {
			s.err, s.r = io.ErrNoProgress, nil
		}
	}
	if s.err != nil {
		return false
	}
	if s.tail < len(inflateTail) {
		s.b = inflateTail[s.tail:]
		s.tail = len(inflateTail)
		return true
	}
	return false
}

func (s *inflateSource) ReadByte() (byte, error) {
	if len(s.b) == 0 && !s.more() {
		return 0, s.end()
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c, nil
}

func (s *inflateSource) Read(p []byte) (int, error) {
	if !s.more() {
		return 0, s.end()
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

func (s *inflateSource) end() error {
	if s.err != nil {
		return s.err
	}
	return io.EOF
}

// Errors of inflating, with the close codes they fail a connection with.
var (
	// RFC 7692 names no close code for data that does not inflate. We
	// use 1007, which RFC 6455 §7.4.1 gives to "data within a message
	// that was not consistent with the type of the message": the frames
	// are well formed (no 1002), their payload is not what RSV1 says.
	errCorruptDeflate = &ProtocolError{Code: StatusInvalidPayload, Rule: "7.4.1", Reason: "compressed message does not inflate (permessage-deflate, RFC 7692)"}
)

func inflateError(err error) error {
	var ce flate.CorruptInputError
	if errors.As(err, &ce) || err == io.ErrUnexpectedEOF {
		return errCorruptDeflate
	}
	return err
}

func tooBigInflated(limit int64) error {
	return &ProtocolError{Code: StatusMessageTooBig, Rule: "10.4", Reason: fmt.Sprintf("compressed message inflates to over the %d-byte limit", limit)}
}

// Inflate appends to dst the message whose compressed payload (RSV1 set,
// the frames' payloads joined, the tail stripped) is p, and returns it.
// A message that inflates to more than limit bytes (limit > 0) fails with
// a *ProtocolError of code 1009 once limit+1 bytes have been inflated, so
// a small message that inflates to gigabytes (a zip bomb) costs little.
// Data that does not inflate fails with code 1007.
func (f *Inflater) Inflate(dst, p []byte, limit int64) ([]byte, error) {
	f.Begin(nil, p)
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		room := dst[len(dst):cap(dst)]
		if limit > 0 {
			if left := limit + 1 - int64(len(dst)-start); int64(len(room)) > left {
				room = room[:left]
			}
		}
		n, err := f.Read(room)
		dst = dst[:len(dst)+n]
		if limit > 0 && int64(len(dst)-start) > limit {
			f.End(false)
			return dst, tooBigInflated(limit)
		}
		if err == io.EOF {
			f.End(true)
			return dst, nil
		}
		if err != nil {
			f.End(false)
			return dst, err
		}
	}
}

// Begin starts inflating a message whose compressed bytes are p followed
// by what r gives until io.EOF (r may be nil). Read then returns the
// inflated bytes, and End must follow.
func (f *Inflater) Begin(r io.Reader, p []byte) {
	st := inflateStatePool.Get().(*inflateState)
	st.src = inflateSource{r: r, b: p, buf: st.buf[:]}
	var dict []byte
	if f.Takeover {
		dict = f.window
	}
	st.fr.(flate.Resetter).Reset(&st.src, dict)
	f.st = st
}

// Read reads inflated bytes of the message begun with Begin; io.EOF marks
// its end. Data that does not inflate is a *ProtocolError with code 1007;
// an error from Begin's reader is returned as it is.
func (f *Inflater) Read(p []byte) (int, error) {
	if f.st == nil {
		return 0, io.EOF
	}
	n, err := f.st.fr.Read(p)
	if f.Takeover && n > 0 {
		f.remember(p[:n])
	}
	if err != nil && err != io.EOF {
		if serr := f.st.src.err; serr != nil {
			return n, serr
		}
		return n, inflateError(err)
	}
	return n, err
}

// End finishes the message begun with Begin and gives the decompressor
// back. complete says the message was inflated to its end; if not, the
// context is lost, and an Inflater with Takeover must not be used again.
func (f *Inflater) End(complete bool) {
	if f.st == nil {
		return
	}
	f.st.src = inflateSource{}
	inflateStatePool.Put(f.st)
	f.st = nil
	if !complete {
		f.window = f.window[:0]
	}
}

// remember appends p to the window, keeping its last 32 KiB. The window
// is allocated as it grows, so a connection that sends little keeps
// little.
func (f *Inflater) remember(p []byte) {
	if len(p) >= windowSize {
		p = p[len(p)-windowSize:]
	}
	w := f.window
	if over := len(w) + len(p) - windowSize; over > 0 {
		w = w[:copy(w, w[over:])]
	}
	if len(w)+len(p) > cap(w) {
		nw := make([]byte, len(w), min(max(2*cap(w), len(w)+len(p), 512), windowSize))
		copy(nw, w)
		w = nw
	}
	f.window = append(w, p...)
}

// WindowLen returns how many bytes of past messages the Inflater keeps
// (at most 32 KiB, and only with Takeover).
func (f *Inflater) WindowLen() int { return len(f.window) }
