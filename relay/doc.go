// Package relay carries one talk from the presenter's server to audience
// edges on other machines, through a NATS broker (docs/messages.md, "The
// relay"; docs/deploy.md for a layout).
//
// The presenter's side (Publish) watches the server's TalkState and keeps
// it in JetStream: the latest deck record, position and problems in a
// key-value bucket, the deck's JSON and its images in an object store,
// content-addressed. An edge (Follow) watches the bucket: a late edge gets
// the newest of everything at once, and then every change. Edges publish
// their audience counts; the presenter adds them up.
//
// Polls, questions and reactions (room.go) live on the presenter's server:
// an edge hands on each of its phones' messages, checked as the presenter
// would, and the presenter answers that socket on the event's reply
// subject; the aggregates come back through the bucket (polls, questions)
// and core subjects (reaction bursts, the heartbeat, each device's own
// votes).
//
// What crosses the broker is what the audience sees anyway. The
// presenter's key and cookie secret never leave the presenter's server;
// speaker notes cross only in self-study, where every page reads them.
//
// It imports server, never the reverse: server knows nothing of NATS.
package relay
