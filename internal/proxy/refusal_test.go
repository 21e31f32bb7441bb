package proxy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

// The wire log keeps what the server said when it refused the upgrade, as
// the app got it, redacted: the graders and replay read it back.
func TestProxyRecordsARefusalsBody(t *testing.T) {
	t.Parallel()
	const tok = "sutkn_0123456789abcdef0123456789abcdef"
	body := `{"detail":{"status":"` + protocol.StatusInvalidAPIKey + `","message":"token ` + tok + ` was already used"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	r := newRig(t, srv.URL)
	_, resp, err := websocket.Dial(ctxT(t), r.ws()+"&token="+tok, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dial: %v %v", err, resp)
	}
	if got, _ := io.ReadAll(resp.Body); string(got) != body {
		t.Errorf("the app got %q, want the server's body", got)
	}
	logs, _ := r.logs()
	got := logs[0].Response
	if got == nil || got.Status != http.StatusUnauthorized || protocol.ErrorStatus(got.Body) != protocol.StatusInvalidAPIKey || got.Clipped {
		t.Fatalf("recorded answer %+v, want 401 with the server's body", got)
	}
	if strings.Contains(got.Body, tok) || !strings.Contains(got.Body, "sutkn_…") {
		t.Errorf("the recorded body is not redacted: %q", got.Body)
	}
}
