// Package demo is the live frame inspector: it turns the frames that
// protocol's observer sees on a specimen connection into teaching records
// (the JSON the inspector page renders), and serves the specimen echo
// endpoint that a viewer's own browser talks to.
//
//   - record.go: Record and FromFrame, the pure mapping from a frame the
//     protocol observed (with what its reader knew of it) to what the page
//     shows
//   - handshake.go: FromHandshake, the opening handshake with the accept
//     computation worked out
//   - inspector.go: Inspector and its Options, the set of open feeds
//   - feed.go: the feed socket, its writer and the page's commands
//   - specimen.go: the specimen echo socket, its observer and its limits
//   - lab.go: the lab's controls, which make the server break one rule on
//     the asking viewer's specimen (through its protocol.Lab)
//   - lab_handshake.go: broken opening handshakes, one request at a time
//   - lab_negotiate.go: subprotocols and a strict Origin check
//
// A viewer's page opens two sockets. The feed (GET /demo/feed) first sends
// {"type":"feed","id":ID,"maxMessage":…,"rate":…,"burst":…}; the page then
// opens the specimen (GET /demo/specimen?feed=ID) with a plain browser
// WebSocket. Every frame on the specimen, both ways, and its opening
// handshake reach that feed, and only that feed, as records; the feed's own
// frames are never observed. The id is 128 random bits: it is all that
// keeps one viewer's frames from another.
//
// The page steers the specimen's server side through the feed, so that its
// commands do not show up among the frames it inspects:
//
//	{"type":"ping","payload":"…"}               the server pings the specimen
//	{"type":"fragments","on":true}              echoes go out in 3 fragments
//	{"type":"close","code":4000,"reason":"…"}   the server closes the specimen
//	{"type":"lab-rules"}                         the lab's controls, as JSON
//	{"type":"lab","rule":"masked"}               the server breaks one rule (lab.go)
//
// It may import protocol; it must not import server, slides or main.
package demo
