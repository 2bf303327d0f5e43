package server

import (
	"fmt"
	"net"
	"os"
	"testing"
)

// Environment of a test binary started as a server by a test (see
// startChild): the deck and the state folder.
const (
	childDeckEnv  = "WIRETALK_TEST_CHILD_DECK"
	childStateEnv = "WIRETALK_TEST_CHILD_STATE"
)

func TestMain(m *testing.M) {
	if deck := os.Getenv(childDeckEnv); deck != "" {
		os.Exit(serveAsChild(deck, os.Getenv(childStateEnv)))
	}
	os.Exit(m.Run())
}

// serveAsChild presents deck on a loopback port, as "wiretalk serve" does,
// prints the address on a line of its own and serves until it is killed.
func serveAsChild(deck, stateDir string) int {
	srv, err := New(Config{Deck: deck, Key: testKey, StateDir: stateDir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(ln.Addr())
	fmt.Fprintln(os.Stderr, srv.HTTPServer("", nil).Serve(ln))
	return 1
}
