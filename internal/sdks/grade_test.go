package sdks

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// An install whose normal session was refused is not "OK" in the matrix's
// CLIENT rules row, though no rule of what it sent failed: the row shows the
// refusal, as the client report's row does.
func TestClientVerdictShowsARefusedSession(t *testing.T) {
	set, err := wirelog.NewSet(t.TempDir(), secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", protocol.RealtimePath+"?model_id="+protocol.DefaultModel, nil)
	req.Header.Set(protocol.APIKeyHeader, "sk_0123456789abcdef0123456789abcdef")
	c := set.Open(req)
	c.Status(101)
	c.Frame(false, false, []byte(`{"message_type":"auth_error","error":"`+protocol.AuthErrorText+`"}`))
	c.Closed(wirelog.FromServer, 1000, "", "")
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	got := clientVerdict(Run{WireDir: set.Dir(), ConnScenario: map[string]string{c.ID(): "header"}})
	if strings.HasPrefix(got, "OK") || !strings.Contains(got, "refused") {
		t.Errorf("CLIENT rules of a refused normal session: %q", got)
	}
}
