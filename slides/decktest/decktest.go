// Package decktest finds the decks that tests of several packages share:
// the features deck, written for the tests and kept in the repository's
// testdata/decks, and the user's own talk, which lives beside the
// repository (../shared/decks) on the developers' machines only.
//
// Tests of the user's talk run where it is and skip elsewhere, naming the
// file; under CI=true its absence is a failure, as a missing Chromium is,
// so that CI cannot pass by skipping. What they prove is also proven on
// the features deck, which uses the same features.
package decktest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Paths from the repository's root.
const (
	FeaturesPath = "testdata/decks/features.md"
	UserTalkPath = "../shared/decks/websockets-talk.md"
)

// Root returns the repository's root: the nearest folder, from the test's
// working directory up, that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("decktest: no go.mod above the working directory")
		}
		dir = up
	}
}

// Features returns the features deck's path, relative to the test's
// working directory, and its text.
func Features(t testing.TB) (string, []byte) {
	t.Helper()
	return read(t, FeaturesPath)
}

// UserTalk returns the user's talk's path, relative to the test's working
// directory, and its text. Without the file the test is skipped, or fails
// under CI=true.
func UserTalk(t testing.TB) (string, []byte) {
	t.Helper()
	return userTalk(t, UserTalkPath)
}

func userTalk(t testing.TB, fromRoot string) (string, []byte) {
	t.Helper()
	path, src, err := open(t, fromRoot)
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the user's talk %s is missing (CI=true: a test of it may not skip)", path)
		}
		t.Skipf("the user's talk %s is not here; the features deck %s proves the same", path, FeaturesPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	return path, src
}

func read(t testing.TB, fromRoot string) (string, []byte) {
	t.Helper()
	path, src, err := open(t, fromRoot)
	if err != nil {
		t.Fatal(err)
	}
	return path, src
}

// open reads a file named from the repository's root and returns its path
// relative to the working directory.
func open(t testing.TB, fromRoot string) (string, []byte, error) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(Root(t), filepath.FromSlash(fromRoot))
	path, err := filepath.Rel(wd, abs)
	if err != nil {
		path = abs
	}
	src, err := os.ReadFile(path)
	return path, src, err
}
