package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// serverProc is a running "wtbench server".
type serverProc struct {
	cmd   *exec.Cmd
	addrs serverAddrs
}

// command returns the command for exe args, pinned to cpus with taskset
// when cpus is not empty.
func command(cpus, exe string, args ...string) *exec.Cmd {
	if cpus != "" {
		return exec.Command("taskset", append([]string{"-c", cpus, exe}, args...)...)
	}
	return exec.Command(exe, args...)
}

func startServer(cmd *exec.Cmd) (*serverProc, error) {
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &serverProc{cmd: cmd}
	line := make(chan error, 1)
	go func() {
		l, err := bufio.NewReader(out).ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(l, &s.addrs)
		}
		line <- err
	}()
	select {
	case err = <-line:
	case <-time.After(30 * time.Second):
		err = errors.New("the server did not start within 30 s")
	}
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// stop asks the server to quit and kills it if it does not.
func (s *serverProc) stop() {
	if s.addrs.Ctl != "" {
		if c, err := dialCtlString(s.addrs.Ctl); err == nil {
			c.send("quit")
			c.nc.Close()
		}
	}
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// runJSON runs cmd to completion within timeout and decodes its stdout.
func runJSON(ctx context.Context, timeout time.Duration, v any, cmd *exec.Cmd) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(os.Stderr, &stderr)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args, " "), err, bytes.TrimSpace(stderr.Bytes()))
		}
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s: no result within %v", strings.Join(cmd.Args, " "), timeout)
	}
	return json.Unmarshal(stdout.Bytes(), v)
}
