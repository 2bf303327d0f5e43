// Package talk embeds wiretalk's own talk about WebSockets, the deck that
// "wiretalk" presents when it is given no deck of its own. It is written in
// remark's Markdown dialect, with speaker notes on every slide, and is the
// example deck of the README.
package talk

import "embed"

// FS holds the deck; read it with fs.ReadFile(FS, Name).
//
//go:embed websockets.md
var FS embed.FS

// Name is the deck's file name in FS.
const Name = "websockets.md"
