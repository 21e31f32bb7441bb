package userapp

import (
	"crypto/tls"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scribecheck/scribecheck/internal/tlscert"
)

// TLS is what --tls sets up for a run: a server certificate for 127.0.0.1
// and localhost, the throwaway CA that signed it written to a file, and the
// environment that makes an app trust it (for clients that hard-code wss://).
type TLS struct {
	Config *tls.Config
	CA     string // the CA certificate's path
	env    []string
}

// NewTLS makes the certificates and writes the CA into dir as ca.pem. With
// systemRoots, SSL_CERT_FILE and REQUESTS_CA_BUNDLE name a bundle of the CA
// and the system's roots (ca-bundle.pem): they replace a client's roots, and
// an app behind the proxy may still call other HTTPS hosts.
func NewTLS(dir string, systemRoots bool) (*TLS, error) {
	pair, err := tlscert.New()
	if err != nil {
		return nil, fmt.Errorf("--tls: %w", err)
	}
	ca, err := pair.WriteCA(dir)
	if err != nil {
		return nil, fmt.Errorf("--tls: %w", err)
	}
	bundle := ca
	if systemRoots {
		if bundle, err = withSystemRoots(ca); err != nil {
			return nil, fmt.Errorf("--tls: %w", err)
		}
	}
	return &TLS{Config: pair.ServerConfig(), CA: ca,
		env: []string{"SSL_CERT_FILE=" + bundle, "REQUESTS_CA_BUNDLE=" + bundle, "NODE_EXTRA_CA_CERTS=" + ca}}, nil
}

// Env is SSL_CERT_FILE, REQUESTS_CA_BUNDLE and NODE_EXTRA_CA_CERTS for the
// app; none without TLS.
func (t *TLS) Env() []string {
	if t == nil {
		return nil
	}
	return t.env
}

// WriteCA prints where the CA is and how to trust it; nothing without TLS.
func (t *TLS) WriteCA(w io.Writer) {
	if t != nil {
		fmt.Fprintf(w, "  CA certificate: %s (trust it: SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS)\n", t.CA)
	}
}

// systemBundles are where Linux and macOS keep the system's roots as PEM.
var systemBundles = []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"}

// withSystemRoots writes a bundle of the CA at caPath and the system's
// roots beside it.
func withSystemRoots(caPath string) (string, error) {
	ca, err := os.ReadFile(caPath)
	if err != nil {
		return "", err
	}
	for _, p := range systemBundles {
		if sys, err := os.ReadFile(p); err == nil {
			ca = append(append(ca, '\n'), sys...)
			break
		}
	}
	bundle := filepath.Join(filepath.Dir(caPath), "ca-bundle.pem")
	return bundle, os.WriteFile(bundle, ca, 0o644)
}
