package sdks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/scribecheck/scribecheck/protocol"
)

// tlsDriverEnv makes the test binary a wss:// client (TestMain).
const tlsDriverEnv = "SCRIBECHECK_SDKS_TLS_DRIVER"

// tlsDriver is a client that, as pipecat does, reaches the fake only over
// wss://, and trusts only the PEM that SSL_CERT_FILE names (no system
// roots): each scenario's first frame shows it got through.
func tlsDriver() error {
	plan, err := readTestPlan()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(plan.BaseURL, "https://") || !strings.HasPrefix(plan.WSURL, "wss://") {
		return fmt.Errorf("the plan of a tls line has base_url %q and ws_url %q", plan.BaseURL, plan.WSURL)
	}
	pem, err := os.ReadFile(os.Getenv("SSL_CERT_FILE"))
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return fmt.Errorf("SSL_CERT_FILE holds no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	enc := json.NewEncoder(os.Stdout)
	_ = enc.Encode(Event{Event: "_sdk", SDK: "tls-sdk", Version: "0.0.0"})
	for _, sc := range plan.Scenarios {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := plan.dial(ctx, sc.APIKey, client)
		if err != nil {
			_ = enc.Encode(Event{Scenario: sc.Name, Event: "_exception", Where: "connect", Error: err.Error()})
		} else {
			var first struct {
				Type string `json:"message_type"`
			}
			if _, b, err := c.Read(ctx); err == nil && json.Unmarshal(b, &first) == nil {
				_ = enc.Encode(Event{Scenario: sc.Name, Event: first.Type})
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
		}
		cancel()
		_ = enc.Encode(Event{Scenario: sc.Name, Event: "_end"})
	}
	return nil
}

// A "tls" line's fake serves https and wss with a throwaway certificate, the
// plan says so, and SSL_CERT_FILE trusts it; with a proxy or replay in
// front (Via), which serves plain http, the line is skipped and says why.
func TestATLSLineGetsAFakeOverTLS(t *testing.T) {
	in := testInstall(t, tlsDriverEnv, "1", "tls-sdk")
	in.TLS = true
	run := RunOne(context.Background(), in, Options{Dir: ".", Out: t.TempDir(), Only: []string{"header"}})
	if run.Broken != "" || run.Skipped != "" {
		t.Fatalf("the driver did not run: %s%s\n%s", run.Broken, run.Skipped, run.Stderr)
	}
	if got := names(run.Events["header"]); got != protocol.SessionStarted {
		t.Errorf("over wss://, trusting only SSL_CERT_FILE, the driver saw %s; want session_started", got)
	}
	via := func(string) (string, func(), error) { t.Fatal("Via was called for a tls line"); return "", nil, nil }
	skipped := RunOne(context.Background(), in, Options{Dir: ".", Out: t.TempDir(), Only: []string{"header"}, Via: via})
	if !strings.Contains(skipped.Skipped, "wss://") {
		t.Errorf("a tls line behind Via: skipped %q, broken %q; want skipped, saying why", skipped.Skipped, skipped.Broken)
	}
}
