package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"

	"github.com/scribecheck/scribecheck/protocol"
)

// maxRecordedBody is the most of a REST answer the log keeps; a mint answer
// is some 60 bytes, and other calls (speech, files) must not fill the log.
const maxRecordedBody = 64 << 10

// restHandler forwards any other request to the upstream as it came (no
// X-Forwarded-* headers are added) and records it with its answer.
func (p *Proxy) restHandler() http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// The log records the request as the app sent it (its path,
			// its address), not as it was forwarded.
			pr.Out = pr.Out.WithContext(context.WithValue(pr.Out.Context(), inboundKey{}, pr.In))
			pr.SetURL(p.upstream)
			pr.Out.URL.Path, pr.Out.URL.RawPath = p.upstream.Path+pr.In.URL.Path, ""
			if isMint(pr.In) {
				// The proxy must read the token in the answer; it can
				// decode gzip and deflate, not br or zstd.
				pr.Out.Header.Set("Accept-Encoding", readableEncodings(pr.In.Header.Get("Accept-Encoding")))
			}
		},
		Transport: p.opts.Client.Transport,
		ModifyResponse: func(resp *http.Response) error {
			in, _ := resp.Request.Context().Value(inboundKey{}).(*http.Request)
			if in == nil {
				in = resp.Request
			}
			resp.Body = &recordingBody{ReadCloser: resp.Body, done: func(b []byte, clipped bool) {
				p.exchange(in, resp, b, clipped)
			}}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			// The path only: a query may hold a credential not learnt yet.
			p.logf("proxy: %s %s → the server did not answer: %v", r.Method, r.URL.Path, err)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			b, _ := json.Marshal(map[string]any{"detail": map[string]string{"status": "scribecheck_proxy_upstream_unreachable",
				"message": fmt.Sprintf("scribecheck proxy: %s did not answer (%v); check --target and the network", p.upstream.Redacted(), err)}})
			_, _ = w.Write(b)
		},
	}
	if rp.Transport == nil {
		rp.Transport = http.DefaultTransport
	}
	return rp
}

func isMint(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.Contains(r.URL.Path, protocol.SingleUseTokenPath)
}

// readableEncodings keeps the encodings of an Accept-Encoding the proxy can
// decode, identity when none is left.
func readableEncodings(accept string) string {
	var keep []string
	for _, part := range strings.Split(accept, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "deflate", "identity":
			keep = append(keep, strings.TrimSpace(part))
		}
	}
	if len(keep) == 0 {
		return "identity"
	}
	return strings.Join(keep, ", ")
}

// inboundKey keeps the app's request in the forwarded request's context.
type inboundKey struct{}

// exchange records a REST call once its answer has been read through.
func (p *Proxy) exchange(in *http.Request, resp *http.Response, body []byte, clipped bool) {
	rec := decoded(body, resp.Header.Get("Content-Encoding"))
	switch {
	case clipped:
		rec = []byte(fmt.Sprintf("(%s: more than %d bytes, not kept)", resp.Header.Get("Content-Type"), maxRecordedBody))
	case !json.Valid(rec) && len(rec) > 0 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/"):
		rec = []byte(fmt.Sprintf("(%s: %d bytes, not kept)", resp.Header.Get("Content-Type"), len(body)))
	}
	p.opts.Set.Exchange(in, resp.StatusCode, rec)
	p.logf("proxy: %s %s → %d", in.Method, in.URL.Path, resp.StatusCode)
}

func decoded(b []byte, encoding string) []byte {
	var rd io.Reader
	switch strings.ToLower(encoding) {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return b
		}
		rd = zr
	case "deflate": // HTTP's deflate is zlib-wrapped; some servers send it raw
		if zr, err := zlib.NewReader(bytes.NewReader(b)); err == nil {
			rd = zr
		} else {
			rd = flate.NewReader(bytes.NewReader(b))
		}
	default:
		return b
	}
	out, err := io.ReadAll(io.LimitReader(rd, maxRecordedBody))
	if err != nil {
		return b
	}
	return out
}

// recordingBody passes the answer through and keeps its first bytes; done
// runs once, at the end of the body or when it is closed.
type recordingBody struct {
	io.ReadCloser
	buf     bytes.Buffer
	clipped bool
	once    sync.Once
	done    func([]byte, bool)
}

func (b *recordingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if room := maxRecordedBody - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(n, room)])
		if n > room {
			b.clipped = true
		}
	} else if n > 0 {
		b.clipped = true
	}
	if err != nil {
		b.finish()
	}
	return n, err
}

func (b *recordingBody) Close() error {
	err := b.ReadCloser.Close()
	b.finish()
	return err
}

func (b *recordingBody) finish() { b.once.Do(func() { b.done(b.buf.Bytes(), b.clipped) }) }
