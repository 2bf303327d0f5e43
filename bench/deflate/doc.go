// Package deflate benchmarks permessage-deflate (RFC 7692): echo round
// trips of JSON-like text with compression, wiretalk against
// coder/websocket and gorilla/websocket, each library talking to itself;
// the memory an idle compressed connection holds on the server; and a
// compressed Prepared broadcast against an uncompressed one.
//
//	go test -run '^$' -bench . -count 5 ./deflate/
//
// The figures are in docs/BENCHMARKS.md.
package deflate
