package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs wiretalk in-process with args and returns its exit status,
// stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	code := run(e, args)
	return code, stdout.String(), stderr.String()
}

func TestUnknownCommandExits2WithUsage(t *testing.T) {
	code, stdout, stderr := runCLI(t, "frobnicate")
	if code != exitUsage {
		t.Errorf("exit status = %d, want %d", code, exitUsage)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if !strings.Contains(stderr, `unknown command "frobnicate"`) || !strings.Contains(stderr, "Usage:") {
		t.Errorf("stderr does not name the command and show usage:\n%s", stderr)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, stdout, _ := runCLI(t, "help")
	if code != exitOK {
		t.Fatalf("exit status = %d, want 0", code)
	}
	for _, c := range commands() {
		if !strings.Contains(stdout, "\t"+c.name+" ") {
			t.Errorf("help does not list %q:\n%s", c.name, stdout)
		}
	}
}

func TestHelpUnknownCommandExits2(t *testing.T) {
	if code, _, _ := runCLI(t, "help", "nope"); code != exitUsage {
		t.Errorf("exit status = %d, want %d", code, exitUsage)
	}
}

// Every subcommand prints its usage for -h (status 0) and rejects an
// unknown flag with its usage on stderr (status 2).
func TestEveryCommandHelpAndBadFlag(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, _ := runCLI(t, c.name, "-h")
			if code != exitOK || !strings.Contains(stdout, "Usage: wiretalk "+c.name) {
				t.Errorf("%s -h: status %d, stdout:\n%s", c.name, code, stdout)
			}
			code, _, stderr := runCLI(t, c.name, "-no-such-flag")
			if code != exitUsage || !strings.Contains(stderr, "Usage: wiretalk "+c.name) {
				t.Errorf("%s -no-such-flag: status %d, stderr:\n%s", c.name, code, stderr)
			}
		})
	}
}
