// Package redistest starts throwaway redis-server processes for tests: one per
// call, on a free loopback port, with its files in a temporary directory, stopped
// when the test ends. Without a redis-server binary on PATH the test is skipped
// with the message "redis-server not found: Redis tests skipped".
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SkipMessage is the reason given when no redis-server binary is found.
const SkipMessage = "redis-server not found: Redis tests skipped"

// Options configure a server.
type Options struct {
	// Persist turns on the append-only file (fsync at every write), so the data
	// survive Restart. Off by default: a restart then starts empty.
	Persist bool
}

// Server is a redis-server process owned by a test.
type Server struct {
	// Addr is host:port of the server on the loopback interface.
	Addr string
	Port int

	bin  string
	dir  string
	opts Options
	tb   testing.TB

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Binary returns the path of redis-server, or "" when it is not on PATH.
func Binary() string {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// Start starts a server for tb (skipping tb when there is no binary) and stops it
// when tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartWith(tb, Options{})
}

// StartWith is Start with options.
func StartWith(tb testing.TB, opts Options) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		tb.Skip(SkipMessage)
	}
	s := &Server{bin: bin, dir: tb.TempDir(), opts: opts, tb: tb}
	var lastErr error
	for range 5 { // the free port may be taken between probe and bind: try another
		port, err := freePort()
		if err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		s.Port, s.Addr = port, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if lastErr = s.start(); lastErr == nil {
			tb.Cleanup(s.Stop)
			return s
		}
	}
	tb.Fatalf("redistest: start redis-server: %v", lastErr)
	return nil
}

// URL returns the redis:// URL of database db on the server.
func (s *Server) URL(db int) string { return fmt.Sprintf("redis://%s/%d", s.Addr, db) }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) args() []string {
	a := []string{
		"--port", strconv.Itoa(s.Port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--save", "",
		"--daemonize", "no",
		"--protected-mode", "no",
		"--logfile", "",
		"--loglevel", "warning",
		"--databases", "16",
	}
	if s.opts.Persist {
		a = append(a, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		a = append(a, "--appendonly", "no")
	}
	return a
}

func (s *Server) start() error {
	cmd := exec.Command(s.bin, s.args()...)
	setPdeathsig(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", s.bin, err)
	}
	var logMu sync.Mutex
	var logTail []string
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			logMu.Lock()
			logTail = append(logTail, sc.Text())
			if len(logTail) > 20 {
				logTail = logTail[1:]
			}
			logMu.Unlock()
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(s.Addr) == nil {
			s.mu.Lock()
			s.cmd = cmd
			s.mu.Unlock()
			go func() { <-exited }()
			return nil
		}
		select {
		case err := <-exited:
			logMu.Lock()
			defer logMu.Unlock()
			return fmt.Errorf("redis-server on port %d exited: %v: %s", s.Port, err, strings.Join(logTail, " | "))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return fmt.Errorf("redis-server on port %d not ready after 10s", s.Port)
		}
	}
}

// ping sends PING in RESP and checks for +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// Stop stops the server (SIGTERM, then SIGKILL after 5 s) and waits for its port
// to close. Idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	deadline := time.Now().Add(5 * time.Second)
	for ping(s.Addr) == nil || processAlive(cmd) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Kill stops the server with SIGKILL (no shutdown save).
func (s *Server) Kill() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Kill()
		for processAlive(cmd) {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// Restart stops the server and starts it again on the same port and directory
// (with Persist, the data are back).
func (s *Server) Restart() error {
	s.Stop()
	return s.StartAgain()
}

// StartAgain starts a stopped server on its port again.
func (s *Server) StartAgain() error {
	var err error
	for range 50 { // the port may linger a moment after the old process exits
		if err = s.start(); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

// Do sends one command to the server and returns its reply line(s) as text; for
// test setup and INFO. It opens a connection per call.
func (s *Server) Do(ctx context.Context, args ...string) (string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "-"):
		return "", fmt.Errorf("redis %s: %s", args[0], line[1:])
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	default:
		return strings.TrimLeft(line, "+:"), nil
	}
}

// Dir is the server's working directory (its AOF with Persist).
func (s *Server) Dir() string { return filepath.Clean(s.dir) }
