package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

// envInfo describes the machine and the software measured.
type envInfo struct {
	CPU       string            `json:"cpu"`
	Cores     int               `json:"cores"`
	MemGiB    float64           `json:"mem_gib"`
	Kernel    string            `json:"kernel"`
	Go        string            `json:"go"`
	Libraries map[string]string `json:"libraries"` // module path → version
	Commit    string            `json:"commit"`    // wiretalk's commit, "+dirty" with changes in protocol/ or server/
}

func collectEnv(benchDir string) envInfo {
	e := envInfo{Cores: runtime.NumCPU(), Go: runtime.Version(), Libraries: map[string]string{}}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				e.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		e.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		fmt.Sscanf(string(b), "MemTotal: %f kB", &kb)
		e.MemGiB = kb / (1 << 20)
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/gorilla/websocket", "github.com/coder/websocket", "github.com/gobwas/ws",
				"github.com/lxzan/gws", "github.com/chromedp/chromedp":
				e.Libraries[d.Path] = d.Version
			}
		}
	}
	root := filepath.Join(benchDir, "..")
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		e.Commit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--", "protocol", "server").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			e.Commit += "+dirty"
		}
	}
	return e
}
