package tlscert

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"testing"

	"github.com/scribecheck/scribecheck/internal/hostile"
)

func TestServesFor127AndLocalhost(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(hostile.TLS(t, "127.0.0.1", p.ServerConfig(), http.NotFoundHandler()))
	port := u.Port()
	for _, name := range []string{"127.0.0.1", "localhost"} {
		c, err := tls.Dial("tcp", "127.0.0.1:"+port, &tls.Config{RootCAs: p.Pool(), ServerName: name})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		c.Close()
	}
	if _, err := tls.Dial("tcp", "127.0.0.1:"+port, &tls.Config{ServerName: "localhost"}); err == nil {
		t.Error("a client that does not trust the CA must refuse the certificate")
	}
}
