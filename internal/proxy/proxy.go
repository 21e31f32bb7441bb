package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// LiveBase is the live API's REST base URL.
const LiveBase = "https://api.elevenlabs.io"

// Options configure a proxy.
type Options struct {
	// Upstream is the server's base URL: http(s)://host[:port].
	Upstream string
	// Set receives the wire logs.
	Set *wirelog.Set
	// Log gets one line per REST call and per connection as it ends; nil
	// for none. Lines are redacted with Redactor, the one Set learns with.
	Log      io.Writer
	Redactor *secrets.Redactor
	// Client makes the REST calls and the upstream handshakes; nil for a
	// client with the system's roots (tests trust their own CA here).
	Client *http.Client
	// ReadLimit is the largest message either side may send (default 16
	// MiB); a larger one closes that side with 1009 and the other with a
	// close saying why.
	ReadLimit int64
	// TLS serves https and wss when set.
	TLS *tls.Config
	// WriteTimeout bounds one forwarded message: a side that reads nothing
	// for this long is cut, so a stuck app cannot hold a session (and a
	// server's close) forever. Default 30 s.
	WriteTimeout time.Duration
}

// Proxy forwards and records. Its zero value is not usable; call New.
type Proxy struct {
	opts     Options
	upstream *url.URL
	rest     http.Handler

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closing  bool // Close has begun: no new socket is taken
	http     *http.Server
	sockets  []*socket
	finished []Summary
}

// Summary is one proxied connection, as the console line shows it.
type Summary struct {
	ID                  string
	Request             string // method and URL, redacted
	Status              int    // the upgrade's answer; 0 when the server was not reached
	FromClient, FromSrv int
	End                 string
}

// New checks the upstream URL and makes a proxy.
func New(opts Options) (*Proxy, error) {
	if opts.Upstream == "live" || opts.Upstream == "" {
		opts.Upstream = LiveBase
	}
	u, err := url.Parse(opts.Upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--target %q: give live or a base URL such as https://api.elevenlabs.io or http://127.0.0.1:8080", opts.Upstream)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("--target: give a base URL without credentials, a query or a fragment (the app's own credentials pass through)")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if opts.Set == nil {
		return nil, errors.New("proxy: no wire-log set")
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if opts.ReadLimit == 0 {
		opts.ReadLimit = 16 << 20
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 30 * time.Second
	}
	p := &Proxy{opts: opts, upstream: u}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.rest = p.restHandler()
	return p, nil
}

// Upstream is the server's base URL.
func (p *Proxy) Upstream() string { return p.upstream.String() }

// ServeHTTP forwards a WebSocket upgrade as a socket and anything else as a
// REST call.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isUpgrade(r) {
		p.serveSocket(w, r)
		return
	}
	p.rest.ServeHTTP(w, r)
}

func isUpgrade(r *http.Request) bool {
	return headerHas(r.Header, "Connection", "upgrade") && headerHas(r.Header, "Upgrade", "websocket")
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// Start listens on addr and serves; it returns the proxy's base URL.
func (p *Proxy) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("proxy cannot listen on %s: %w", addr, err)
	}
	scheme := "http://"
	if p.opts.TLS != nil {
		ln, scheme = tls.NewListener(ln, p.opts.TLS), "https://"
	}
	hs := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	p.mu.Lock()
	p.http = hs
	p.mu.Unlock()
	go func() { _ = hs.Serve(ln) }()
	return scheme + ln.Addr().String(), nil
}

// Close stops listening, ends every open socket on both sides (1001, the
// proxy stopped) and waits for their logs to be written.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closing = true
	hs := p.http
	open := append([]*socket(nil), p.sockets...)
	p.mu.Unlock()
	// Every socket knows it is stopping before anything is torn down, so
	// that no end that follows is blamed on a side.
	for _, s := range open {
		s.markStopped()
	}
	var err error
	if hs != nil {
		err = hs.Close() // it also closes app connections not yet upgraded; hijacked ones are ours to end
	}
	var wg sync.WaitGroup
	for _, s := range open {
		wg.Add(1)
		go func() { defer wg.Done(); s.stop() }()
	}
	wg.Wait()
	p.cancel() // a dial in progress ends here
	p.wg.Wait()
	return err
}

// Finished lists the connections that ended, in the order they ended.
func (p *Proxy) Finished() []Summary {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Summary(nil), p.finished...)
}

func (p *Proxy) logf(format string, args ...any) {
	if p.opts.Log != nil {
		fmt.Fprintln(p.opts.Log, p.opts.Redactor.Redact(fmt.Sprintf(format, args...)))
	}
}

// target is the upstream URL for a request's path and query.
func (p *Proxy) target(r *http.Request, scheme string) string {
	u := *p.upstream
	u.Scheme = scheme
	u.Path = p.upstream.Path + r.URL.Path
	u.RawPath = ""
	if r.URL.RawPath != "" {
		u.RawPath = p.upstream.EscapedPath() + r.URL.RawPath
	}
	u.RawQuery = r.URL.RawQuery
	return u.String()
}
