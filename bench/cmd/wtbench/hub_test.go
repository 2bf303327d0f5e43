package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestHubKeepsThePosition checks that the hub benchmark's server saves
// the talk's position on a slide change, as "wiretalk serve" does, so
// that the benchmark's key press pays for it; and that Close removes
// the file's folder.
func TestHubKeepsThePosition(t *testing.T) {
	h, err := newHubServer(hubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	h.Broadcast(nil) // the next slide
	// The server may save a moment later, off the key press's path.
	var files []string
	for deadline := time.Now().Add(3 * time.Second); len(files) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		files, err = filepath.Glob(filepath.Join(h.stateDir, "*.json"))
	}
	if err != nil || len(files) != 1 {
		t.Fatalf("after a slide change the state folder holds %v (%v), want one position file", files, err)
	}
	if b, err := os.ReadFile(files[0]); err != nil || len(b) == 0 {
		t.Errorf("position file: %q, %v", b, err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(h.stateDir); !os.IsNotExist(err) {
		t.Errorf("after Close the state folder is still there: %v", err)
	}
}
