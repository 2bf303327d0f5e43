// Package protocol is wiretalk's own implementation of the WebSocket
// protocol, RFC 6455, written from scratch with the standard library only.
//
// It is organised one concern per file, so that each can be read in one
// sitting and taught from:
//
//   - handshake.go: what both ends of the opening handshake share
//   - accept.go, dial.go: the server's (Accept) and the client's (Dial) side
//   - frame.go: the frame header, a plain struct with pure codec functions
//   - mask.go: client-to-server masking, eight bytes at a time
//   - utf8.go: incremental UTF-8 validation of text messages
//   - close.go: status codes, CloseError and the closing handshake
//   - read.go: reading messages, whole or as a stream, across their
//     fragments, and the rules that span frames
//   - readbuf.go: the read buffers: the small array an idle connection
//     waits in, the pooled buffer, and whole-message buffers
//   - control.go: pings, pongs and close frames as the reader meets them
//   - write.go: writing messages and fragments
//   - violation.go: the rules that span frames (fragment order, UTF-8) as
//     the errors a reader fails with, each naming its RFC section
//   - decoder.go: Decoder, frames from bytes judged by the reader's rules,
//     for tools that show frames rather than act on them
//   - conn.go: the connection and its concurrency contract
//   - lock.go: the connection's locks, which give up when a context ends
//   - rawconn_unix.go: reads and writes straight through the socket's
//     RawConn, so that an idle connection holds no buffer and a broadcast
//     never waits on a full socket
//   - heartbeat.go: pings on a timer, to drop peers that vanished
//   - observer.go: an optional hook that sees every frame on the wire
//   - prepared.go: a frame encoded once and written to many connections,
//     with WritePrepared or, without waiting, TryWritePrepared
//   - extensions.go: the Sec-WebSocket-Extensions grammar (RFC 6455 §9.1)
//   - deflate_negotiate.go, deflate.go, deflate_conn.go: permessage-deflate
//     (RFC 7692): its parameters, its codec, and Conn's use of them
//
// Rules of RFC 6455 and RFC 7692 are cited where they are enforced.
//
// This package must not import any other wiretalk package nor anything
// outside the standard library: everything else is built on it.
package protocol
