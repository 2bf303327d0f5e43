package protocol

import (
	"io"
	"math/bits"
	"sync"
)

// The read buffers: where a connection's unread bytes wait, and the
// pooled buffers that whole messages are assembled in. While idle a
// connection holds no pooled buffer (see fill).

// readHeader reads the next frame header. A control frame's payload is
// buffered along with its header (it is at most 125 bytes), so that a
// control frame is handled whole or not at all.
func (c *Conn) readHeader() (Header, error) {
	if err := c.fill(2); err != nil {
		if c.rend > c.rpos {
			err = unexpectedEOF(err)
		}
		return Header{}, err
	}
	n := HeaderSize(c.rbuf[c.rpos+1])
	if err := c.fill(n); err != nil {
		return Header{}, unexpectedEOF(err)
	}
	h, _, err := ParseHeader(c.rbuf[c.rpos : c.rpos+n])
	if err == nil && h.Opcode.IsControl() && h.Length <= MaxControlPayload {
		if err := c.fill(n + int(h.Length)); err != nil {
			return Header{}, unexpectedEOF(err)
		}
	}
	if c.obs != nil {
		c.obs.start(h, c.rbuf[c.rpos:c.rpos+n], messageOf(h, c.msgActive, c.msgOp))
	}
	c.rpos += n
	if err != nil && c.obs != nil {
		c.obs.err = err
		c.observeIn()
	}
	return h, err
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// fill makes at least n bytes (n ≤ readBufSize) available in
// rbuf[rpos:rend], reading from the socket.
//
// While idle the connection holds no buffer. On a plain socket an empty
// buffer is filled by readIdle, which gives the pooled buffer back only
// when the socket has nothing to read. Elsewhere (TLS, pipes) the
// connection waits in the small array inside Conn: a pooled buffer is
// taken when more is needed than the small array holds, or when the last
// read filled it (more is probably waiting), and it is given back when
// drained by a read that did not fill it (the socket was drained too, so
// the next read is likely to wait).
func (c *Conn) fill(n int) error {
	for c.rend-c.rpos < n {
		if c.rpos == c.rend {
			c.rpos, c.rend = 0, 0
			if c.raw == nil && !c.rfull && len(c.rbuf) != smallReadSize {
				c.releaseReadBuf()
			}
		}
		if c.raw != nil && c.rend == 0 {
			// Empty: read into the buffer held, if any, and give it back
			// only if the socket has nothing yet, to wait without one.
			if err := c.readIdle(); err != nil {
				return err
			}
			continue
		}
		if len(c.rbuf) == smallReadSize && (c.rfull || c.rpos+n > len(c.rbuf)) {
			c.takeReadBuf()
		} else if c.rpos+n > len(c.rbuf) {
			c.rend = copy(c.rbuf, c.rbuf[c.rpos:c.rend])
			c.rpos = 0
		}
		m, err := c.nc.Read(c.rbuf[c.rend:])
		c.rend += m
		c.rfull = c.rend == len(c.rbuf)
		if err != nil {
			if c.rend-c.rpos >= n {
				return nil
			}
			return err
		}
	}
	return nil
}

// releaseReadBuf goes back to the small array; rbuf must be empty.
func (c *Conn) releaseReadBuf() {
	if c.rpooled != nil {
		readBufPool.Put(c.rpooled)
		c.rpooled = nil
	}
	c.rbuf = c.small[:]
	c.rpos, c.rend = 0, 0
}

// takeReadBuf moves the unread bytes (at most readBufSize) from the small
// array into a pooled buffer.
func (c *Conn) takeReadBuf() {
	p := readBufPool.Get().(*[readBufSize]byte)
	c.rend = copy(p[:], c.rbuf[c.rpos:c.rend])
	c.rpos = 0
	c.rpooled = p
	c.rbuf = p[:]
}

// msgBuffer is a pooled buffer for whole messages. Buffers come in
// power-of-two sizes from 512 bytes to 64 MiB, one pool per size.
type msgBuffer struct{ b []byte }

const (
	minMsgShift = 9
	maxMsgShift = 26
)

var msgPools [maxMsgShift - minMsgShift + 1]sync.Pool

func getMsgBuffer(n int) *msgBuffer {
	shift := max(bits.Len(uint(n-1)), minMsgShift)
	if shift > maxMsgShift {
		return &msgBuffer{b: make([]byte, 0, n)}
	}
	if v := msgPools[shift-minMsgShift].Get(); v != nil {
		return v.(*msgBuffer)
	}
	return &msgBuffer{b: make([]byte, 0, 1<<shift)}
}

func putMsgBuffer(m *msgBuffer) {
	c := cap(m.b)
	shift := bits.Len(uint(c - 1))
	if c != 1<<shift || shift < minMsgShift || shift > maxMsgShift {
		return
	}
	m.b = m.b[:0]
	msgPools[shift-minMsgShift].Put(m)
}

// growMsg returns buf's bytes in a buffer that holds at least need bytes.
func (c *Conn) growMsg(buf []byte, need int) []byte {
	m := getMsgBuffer(need)
	m.b = append(m.b[:0], buf...)
	c.dropMsg()
	c.msg = m
	return m.b
}
