package server

import "net/http"

// guard keeps a panic from taking the server down. Defer it directly, so
// that its recover sees the panic:
//
//	defer guard(s.logf, "the hub's watchdog", nil)
//
// A panic is logged as "panic in <what>: <value>", then undo (if not nil)
// cleans up: drops the page, answers 500. http.ErrAbortHandler, which a
// handler panics with to abort its response on purpose, goes on up to
// net/http.
func guard(logf func(string, ...any), what string, undo func()) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	logf("panic in %s: %v", what, v)
	if undo != nil {
		undo()
	}
}
