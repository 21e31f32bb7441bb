package userapp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRunReturnsTheAppsExitCode(t *testing.T) {
	var out bytes.Buffer
	code, err := Run(context.Background(), []string{"sh", "-c", "echo $SCRIBECHECK_REALTIME_URL; exit 3"}, Env("http://127.0.0.1:9"), &out, &out)
	if err != nil || code != 3 {
		t.Fatalf("exit %d, %v", code, err)
	}
	if got := strings.TrimSpace(out.String()); got != "ws://127.0.0.1:9/v1/speech-to-text/realtime" {
		t.Errorf("SCRIBECHECK_REALTIME_URL = %q", got)
	}
}

func TestACommandThatCannotStartIsAUsageError(t *testing.T) {
	r := RunOrServe(context.Background(), []string{"/no/such/app"}, nil, "app", "", &bytes.Buffer{}, &bytes.Buffer{})
	if !r.NotStarted || r.Exit != nil || !strings.Contains(r.Err, "did not start") {
		t.Fatalf("%+v", r)
	}
	if err := r.StartError(); err == nil || !strings.Contains(err.Error(), "check the command after --") {
		t.Errorf("StartError = %v", err)
	}
	if err := (Result{}).StartError(); err != nil {
		t.Errorf("no command: StartError = %v", err)
	}
}

// An interrupt reaches the app's whole group; a group that ignores it is
// killed once killAfter has passed, and Run says it was stopped.
func TestAnInterruptedAppThatWillNotEndIsKilled(t *testing.T) {
	killAfter = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	up := signalWriter(make(chan struct{}))
	done := make(chan error, 1)
	go func() {
		// A background job of a non-interactive shell ignores SIGINT.
		_, err := Run(ctx, []string{"sh", "-c", "trap '' INT; echo up; sleep 30 & wait"}, nil, up, up)
		done <- err
	}()
	<-up
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "stopped by an interrupt") || errors.Is(err, ErrNotStarted) {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the app was not killed")
	}
}

func TestTLSTrustsTheRunsCA(t *testing.T) {
	dir := t.TempDir()
	for _, roots := range []bool{false, true} {
		ca, err := NewTLS(dir, roots)
		if err != nil {
			t.Fatal(err)
		}
		if ca.Config == nil || ca.CA != filepath.Join(dir, "ca.pem") {
			t.Fatalf("%+v", ca)
		}
		bundle := ca.CA
		if roots {
			bundle = filepath.Join(dir, "ca-bundle.pem")
			b, err := os.ReadFile(bundle)
			pem, _ := os.ReadFile(ca.CA)
			if err != nil || !bytes.HasPrefix(b, pem) {
				t.Errorf("the bundle does not start with the CA: %v", err)
			}
		}
		want := []string{"SSL_CERT_FILE=" + bundle, "REQUESTS_CA_BUNDLE=" + bundle, "NODE_EXTRA_CA_CERTS=" + ca.CA}
		if !slices.Equal(ca.Env(), want) {
			t.Errorf("Env = %q, want %q", ca.Env(), want)
		}
	}
	var none *TLS
	var out bytes.Buffer
	none.WriteCA(&out)
	if none.Env() != nil || out.Len() > 0 {
		t.Error("no TLS, yet an environment or a CA line")
	}
}

// signalWriter is closed by the app's first output: it has started.
type signalWriter chan struct{}

func (w signalWriter) Write(p []byte) (int, error) {
	select {
	case <-w:
	default:
		close(w)
	}
	return len(p), nil
}
