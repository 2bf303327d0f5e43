package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ctlConn is the clients' side of a server's control port.
type ctlConn struct {
	nc net.Conn
	r  *bufio.Reader
}

func dialCtl(addr netip.AddrPort) (*ctlConn, error) {
	nc, err := net.DialTimeout("tcp4", addr.String(), 5*time.Second)
	if err != nil {
		return nil, err
	}
	nc.(*net.TCPConn).SetNoDelay(true)
	return &ctlConn{nc: nc, r: bufio.NewReader(nc)}, nil
}

func dialCtlString(addr string) (*ctlConn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, err
	}
	return dialCtl(ap)
}

// send sends a command that has no reply.
func (c *ctlConn) send(cmd string) error {
	_, err := c.nc.Write([]byte(cmd + "\n"))
	return err
}

// ask sends a command and returns its one-line reply.
func (c *ctlConn) ask(cmd string) (string, error) {
	if err := c.send(cmd); err != nil {
		return "", err
	}
	c.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSpace(line)
	if msg, ok := strings.CutPrefix(line, "error: "); ok {
		return "", fmt.Errorf("server: %s", msg)
	}
	return line, nil
}

func (c *ctlConn) count() (int, error) {
	s, err := c.ask("count")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}

// cpu returns the CPU time the server process has used, in ns.
func (c *ctlConn) cpu() (int64, error) {
	s, err := c.ask("cpu")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

func (c *ctlConn) mem() (memStats, error) {
	var m memStats
	s, err := c.ask("mem")
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal([]byte(s), &m)
}
