package tlscert

import (
	"crypto/tls"
	"net"
	"testing"
)

func TestServesFor127AndLocalhost(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", p.ServerConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
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
