// Package server presents a talk live: HTTP routes, the hub that carries
// the presenter's slide changes to every audience page, watching the deck
// for edits, and presenter authentication.
//
// It wires demo, slides, assets and templates together over protocol. It
// must not import package main, and nothing but main may import it.
package server
