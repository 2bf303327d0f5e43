package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportBadFlagExits2WithUsage(t *testing.T) {
	for _, args := range [][]string{{"export", "-nope"}, {"export", "a.md", "b.md"}} {
		code, stdout, stderr := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%q: exit status %d, want %d", args, code, exitUsage)
		}
		if stdout != "" || !strings.Contains(stderr, "Usage: wiretalk export") {
			t.Errorf("%q: stdout %q, stderr:\n%s", args, stdout, stderr)
		}
	}
}

func TestExportBrokenDeckPrintsProblemsAsCheckDoes(t *testing.T) {
	dir := t.TempDir()
	deck := filepath.Join(dir, "talk.md")
	os.WriteFile(deck, []byte("# A\n\n![](../secret.png)\n\n---\n\n![](missing.png)\n"), 0o644)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI(t, "export", "-o", out, deck)
	if code != exitFail {
		t.Errorf("exit status %d, want %d", code, exitFail)
	}
	_, checked, _ := runCLI(t, "check", deck)
	if stdout != checked || !strings.Contains(stdout, deck+":3: ") || !strings.Contains(stdout, deck+":7: ") {
		t.Errorf("stdout:\n%s\nwant what check prints:\n%s", stdout, checked)
	}
	if !strings.Contains(stderr, "nothing was exported") {
		t.Errorf("stderr = %q", stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the output folder was made")
	}
}

func TestExportWritesAndSaysWhere(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr := runCLI(t, "export", "-o", out)
	if code != exitOK {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, out+"/index.html") {
		t.Errorf("stdout = %q", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Error(err)
	}
	// A non-empty folder that is no export: exit 1, a clear line.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "mine.txt"), nil, 0o644)
	code, _, stderr = runCLI(t, "export", "-o", other)
	if code != exitFail || !strings.Contains(stderr, "not empty") {
		t.Errorf("exit status %d, stderr %q", code, stderr)
	}
}

func TestExportReplayRefusesAForeignFile(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "capture.har")
	os.WriteFile(foreign, []byte(`{"log":{"version":"1.2"}}`), 0o644)
	out := filepath.Join(dir, "site")
	code, _, stderr := runCLI(t, "export", "-replay", foreign, "-o", out)
	if code != exitFail || !strings.Contains(stderr, foreign+": not a wiretalk recording") {
		t.Errorf("exit status %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("exported anyway")
	}
}

func TestServeRecordRefusesAFileThatIsNotARecording(t *testing.T) {
	file := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(file, []byte("my notes"), 0o644)
	code, _, stderr := runCLI(t, "serve", "-addr", "127.0.0.1:0", "-record", file)
	if code != exitFail || !strings.Contains(stderr, "is not a recording to replace") {
		t.Errorf("exit status %d, stderr %q", code, stderr)
	}
	if b, _ := os.ReadFile(file); string(b) != "my notes" {
		t.Error("the file changed")
	}
}
