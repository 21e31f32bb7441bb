package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Server is a server process the bench drives: the fake or the sink.
type Server struct {
	Name    string
	BaseURL string
	Key     string
	cmd     *exec.Cmd
	cancel  context.CancelFunc
}

// StartServer runs exe with args and waits for its "listening on" and
// "test key:" lines (what `scribecheck fake` and `bench sink` print).
func StartServer(ctx context.Context, name, exe string, args ...string) (*Server, error) {
	ctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = io.Discard
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start the %s (%s): %w", name, exe, err)
	}
	s := &Server{Name: name, cmd: cmd, cancel: cancel}
	sc := bufio.NewScanner(out)
	for (s.BaseURL == "" || s.Key == "") && sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "listening on "); ok {
			s.BaseURL = v
		}
		if v, ok := strings.CutPrefix(line, "test key: "); ok {
			s.Key = v
		}
	}
	if s.BaseURL == "" || s.Key == "" {
		s.Stop()
		return nil, fmt.Errorf("the %s (%s %s) did not print its address and key", name, exe, strings.Join(args, " "))
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return s, nil
}

// Stop ends the process and waits for it.
func (s *Server) Stop() {
	s.cancel()
	_ = s.cmd.Wait()
}

// RSS is the process's resident memory in bytes, from /proc.
func (s *Server) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read the %s's memory: %w (the memory figures need Linux /proc)", s.Name, err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("the %s's VmRSS %q: %w", s.Name, v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
}

// CPU is the process's user plus system time so far, from /proc.
func (s *Server) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read the %s's CPU time: %w", s.Name, err)
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", s.cmd.Process.Pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, 100 on every Linux the bench runs on.
const clockTicks = 100
