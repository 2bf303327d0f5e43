// Package nginxtest runs a real nginx (Debian's) as a test's child process,
// for the tests that put wiretalk behind it as docs/deploy.md does. Without
// nginx a test is skipped with a message saying how to install it, or fails
// when CI=true, where a missing nginx would hide a broken deployment.
package nginxtest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Nginx is an nginx binary a test may start.
type Nginx struct {
	bin string
}

// Find looks for nginx on PATH, then at Debian's /usr/sbin/nginx (not on a
// user's PATH). Without it the test is skipped, or fails under CI=true.
// Call it before any costly set-up, so that a skip is quick.
func Find(t testing.TB) *Nginx {
	t.Helper()
	if bin, err := exec.LookPath("nginx"); err == nil {
		return &Nginx{bin: bin}
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return &Nginx{bin: "/usr/sbin/nginx"}
	}
	msg := "nginx is not installed (Debian: apt-get install nginx; .ci/run installs it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return nil
}

// Config is what a test gives nginx.
type Config struct {
	// HTTP is the inside of the http block: the test's upstream and
	// server blocks. "{{dir}}" in it stands for the folder that holds
	// Files. The map $connection_upgrade, which docs/deploy.md's
	// location blocks use, is already defined.
	HTTP string
	// Files are written to that folder before nginx starts (a
	// certificate and its key, say), by name.
	Files map[string][]byte
	// Listen lists the addresses nginx listens on; Start returns once
	// each accepts connections.
	Listen []string
}

// prelude runs nginx as a test's child: in the foreground, one process,
// its files in the test's folder, errors to stderr.
const prelude = `
master_process off;
daemon off;
worker_processes 1;
pid {{dir}}/nginx.pid;
error_log stderr notice;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path {{dir}}/body;
	proxy_temp_path {{dir}}/proxy;
	fastcgi_temp_path {{dir}}/fastcgi;
	uwsgi_temp_path {{dir}}/uwsgi;
	scgi_temp_path {{dir}}/scgi;

	map $http_upgrade $connection_upgrade {
		default upgrade;
		''      close;
	}
`

// Start runs nginx with c until the test ends, and waits until it
// listens on every address of c.Listen. nginx's log is shown if the test
// failed.
func (n *Nginx) Start(t testing.TB, c Config) {
	t.Helper()
	dir := t.TempDir()
	for name, b := range c.Files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	conf := strings.ReplaceAll(prelude+c.HTTP+"}\n", "{{dir}}", dir)
	confFile := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}

	// nginx writes its log straight to a file, so that nothing copies it
	// while the test reads it.
	logFile := filepath.Join(dir, "nginx.log")
	out, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close() // nginx has its own copy
	log := func() string { b, _ := os.ReadFile(logFile); return string(b) }
	cmd := exec.Command(n.bin, "-p", dir, "-c", confFile, "-e", "stderr")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("nginx's log:\n%s", log())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); !listening(c.Listen); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("nginx exited: %v\n%s", err, log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on %s within 10 s\n%s", strings.Join(c.Listen, " and "), log())
		}
	}
}

// listening reports whether every address accepts a connection.
func listening(addrs []string) bool {
	for _, a := range addrs {
		c, err := net.Dial("tcp", a)
		if err != nil {
			return false
		}
		c.Close()
	}
	return true
}
