package fakeserver

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/scribecheck/scribecheck/protocol"
)

// Options configure a fake server.
type Options struct {
	// APIKeys may mint every token type and open sessions, besides the test
	// key the fake always generates (see Server.TestKey).
	APIKeys []string
	// RestrictedKeys lack the speech_to_text permission: they may not mint
	// realtime_scribe tokens. If nil, one is generated.
	RestrictedKeys []string
	// Faults names the bugs and deviations to switch on (see Faults).
	Faults []string
	// Choices puts switchable choices (Choice.Positions) in another
	// position than the fake's pick: name to position.
	Choices map[string]string
	// Clock drives token expiry and session timers; RealClock if nil.
	Clock Clock
	// ReadLimit is the largest frame the socket accepts; 4 MiB if zero, which
	// admits a one-second 48 kHz PCM chunk (about 128 KiB of base64) with room.
	ReadLimit int64
	// Log receives one line per decision; discarded if nil.
	Log io.Writer
	// Session timers and limits; the zero value takes the default.
	Session SessionOptions
	// Record reports what the fake served, connection by connection.
	Record Recording
	// TLS, when set, makes Start serve HTTPS and WSS.
	TLS *tls.Config
	// Scripts maps extra API keys to what their sessions send besides their
	// right answers (see Script). The keys are accepted like the test key.
	Scripts map[string]Script
	// Calibration maps stimulus names (protocol.Stimuli) to what a real
	// server was seen to do with them: the fake gives that reaction instead
	// of its own choice (calibrate.go). Server.Calibrated lists the changes.
	Calibration map[string]protocol.Reaction
	// MaxSessions open at once; one more gets resource_exhausted and a close
	// (U; choice session-cap). DefaultMaxSessions if zero.
	MaxSessions int
	// MaxTokens remembered at once; past it minting answers 429 (U; choice
	// token-cap). A token is forgotten 15 minutes after it expired, so only
	// a flood reaches the cap. DefaultMaxTokens if zero.
	MaxTokens int
}

// Recording hooks report what the fake served; scribecheck client writes
// wire logs with them. Either may be nil.
type Recording struct {
	// Socket is called for each upgrade request; the Recorder it returns
	// receives the answer, every frame both ways, and the close.
	Socket func(r *http.Request) Recorder
	// Exchange is called after each REST request with its status and body.
	Exchange func(r *http.Request, status int, body []byte)
}

// SessionOptions are the session's timers and limits, all on the Clock or
// on audio time.
type SessionOptions struct {
	// AutoCommitSecs of uncommitted audio make manual mode commit by itself
	// (D: "committed automatically every 90 s"; one live log saw ~35.8 s).
	AutoCommitSecs float64
	// IdleTimeout after the last audio chunk closes the session (O: ~15.5 s);
	// NoIdleTimeout never closes an idle session.
	IdleTimeout time.Duration
	// SessionLimit ends a session (U; choice session-time-limit: none).
	SessionLimit time.Duration
	// MaxChunkSecs of audio in one chunk (U; choice chunk-size-limit: 10 s).
	MaxChunkSecs float64
	// PartialsAfterSecs of audio before the first partial (D: 2 s).
	PartialsAfterSecs float64
	// IdleIgnoresEmptyChunks: a chunk with no audio does not restart the idle
	// timer (U; choice empty-chunk-keepalive: it does). Options.Choices
	// switches it too.
	IdleIgnoresEmptyChunks bool
	// MaxUncommittedSecs of audio a session holds uncommitted; past it
	// queue_overflow and a close (U; choice queue-overflow). It bounds a
	// session's memory where nothing commits: vad mode with no pause, or an
	// auto-commit interval set above it.
	MaxUncommittedSecs float64
	// WriteTimeout for one batch of frames to reach a client that does not
	// read; past it the connection is dropped (U; choice slow-reader), so a
	// slow reader costs the fake no memory beyond the socket's buffers.
	WriteTimeout time.Duration
}

// Session defaults.
const (
	DefaultAutoCommitSecs = 90
	DefaultIdleTimeout    = 15500 * time.Millisecond
	DefaultMaxChunkSecs   = 10
	DefaultPartialsAfter  = 2
	// DefaultMaxUncommittedSecs is well past the 90 s auto-commit, so only
	// a session that nothing commits reaches it.
	DefaultMaxUncommittedSecs = 300
	DefaultWriteTimeout       = 10 * time.Second
	// DefaultMaxSessions is far above the 2,000 real-time sessions two cores hold.
	DefaultMaxSessions = 10000
)

// withDefaults gives every option left at zero its default.
func (o SessionOptions) withDefaults() SessionOptions {
	o.AutoCommitSecs = cmp.Or(o.AutoCommitSecs, DefaultAutoCommitSecs)
	o.IdleTimeout = cmp.Or(o.IdleTimeout, DefaultIdleTimeout)
	o.MaxChunkSecs = cmp.Or(o.MaxChunkSecs, DefaultMaxChunkSecs)
	o.PartialsAfterSecs = cmp.Or(o.PartialsAfterSecs, DefaultPartialsAfter)
	o.MaxUncommittedSecs = cmp.Or(o.MaxUncommittedSecs, DefaultMaxUncommittedSecs)
	o.WriteTimeout = cmp.Or(o.WriteTimeout, DefaultWriteTimeout)
	return o
}

// NoIdleTimeout as SessionOptions.IdleTimeout keeps idle sessions open.
const NoIdleTimeout time.Duration = -1

// DefaultReadLimit is the fake's frame size limit.
const DefaultReadLimit = 4 << 20

// Server is a fake Scribe v2 Realtime API.
type Server struct {
	clock      Clock
	tokens     *TokenStore
	keys       map[string]keyKind
	testKey    string
	restricted string
	set        settings
	faults     faults
	auth       authenticator
	log        *log.Logger
	logs       bool // log is not the discarding default
	record     Recording
	scripts    map[string]Script
	calib      calibration
	tls        *tls.Config

	mu       sync.Mutex
	http     *http.Server
	listener net.Listener
	base     string // what Start returned
	sessions map[*session]struct{}
	// live counts the tracked sessions whose handlers have not returned:
	// Close waits for them, since Shutdown does not wait for hijacked
	// (WebSocket) connections.
	live   sync.WaitGroup
	closed bool
	// maxSessions is Options.MaxSessions with its default.
	maxSessions int
}

type keyKind int

const (
	keyUnknown keyKind = iota
	keyFull
	keyRestricted
)

// New builds a server; it serves nothing until Start or Handler is used.
func New(opts Options) (*Server, error) {
	set := defaultSettings(opts)
	fs, err := applyFaults(opts.Faults, &set)
	if err != nil {
		return nil, err
	}
	if err := applyChoices(opts.Choices, &set, &fs); err != nil {
		return nil, err
	}
	clock := opts.Clock
	if clock == nil {
		clock = RealClock{}
	}
	maxSessions := cmp.Or(opts.MaxSessions, DefaultMaxSessions)
	if maxSessions < 0 || opts.MaxTokens < 0 {
		return nil, errors.New("MaxSessions and MaxTokens must be positive (0 takes the default)")
	}
	tokens := NewTokenStore(clock)
	tokens.Max = opts.MaxTokens // 0 takes the store's default
	s := &Server{
		clock:       clock,
		tokens:      tokens,
		maxSessions: maxSessions,
		keys:        map[string]keyKind{},
		set:         set,
		faults:      fs,
		log:         log.New(io.Discard, "", 0),
		sessions:    map[*session]struct{}{},
		record:      opts.Record,
		scripts:     opts.Scripts,
		tls:         opts.TLS,
	}
	scripted, err := scriptKeys(opts.Scripts)
	if err != nil {
		return nil, err
	}
	if s.calib, err = newCalibration(opts.Calibration); err != nil {
		return nil, err
	}
	s.auth = s.authenticate
	for i := len(fs.auth) - 1; i >= 0; i-- {
		s.auth = fs.auth[i](s.auth)
	}
	if opts.Log != nil {
		s.log, s.logs = log.New(opts.Log, "fake: ", log.Ltime|log.Lmicroseconds), true
	}
	s.testKey = "sk_test_" + randomHex(20)
	for _, k := range slices.Concat([]string{s.testKey}, opts.APIKeys, scripted) {
		if len(k) < 8 {
			return nil, errors.New("an API key needs at least 8 characters: shorter ones cannot be redacted safely")
		}
		s.keys[k] = keyFull
	}
	restricted := opts.RestrictedKeys
	if restricted == nil {
		restricted = []string{"sk_restricted_" + randomHex(20)}
	}
	for _, k := range restricted {
		if s.keys[k] == keyFull {
			return nil, fmt.Errorf("a key cannot be both full and restricted")
		}
		s.keys[k] = keyRestricted
	}
	if len(restricted) > 0 {
		s.restricted = restricted[0]
	}
	s.tokens.NeverExpire = set.neverExpire
	s.tokens.NeverConsume = set.neverConsume
	return s, nil
}

// TestKey is the generated API key.
func (s *Server) TestKey() string { return s.testKey }

// RestrictedKey is the first key that may not mint realtime_scribe tokens.
func (s *Server) RestrictedKey() string { return s.restricted }

// Clock is the server's clock, for tests that jump it.
func (s *Server) Clock() Clock { return s.clock }

// Tokens is the server's token store.
func (s *Server) Tokens() *TokenStore { return s.tokens }

// Handler serves the token endpoint and the realtime socket.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.SingleUseTokenPath+"{token_type}", s.recordExchange(s.handleMint))
	mux.HandleFunc("GET "+protocol.RealtimePath, s.recordSocket(s.realtimeHandler()))
	if _, ok := s.calib[protocol.StimOldRealtimePath]; ok { // else the old path is 404 (choice missing-or-unknown-model)
		mux.HandleFunc("GET "+protocol.OldRealtimePath, s.recordSocket(s.realtimeHandler()))
	}
	mux.HandleFunc("/", s.recordExchange(s.handleNotFound))
	return mux
}

// Start listens on addr (host:port; port 0 picks one) and serves in the
// background. It returns the base URL, http://HOST:PORT (https with TLS).
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("fake server cannot listen on %s: %w", addr, err)
	}
	ln = sendBuffered{ln}
	scheme := "http://"
	if s.tls != nil {
		ln, scheme = tls.NewListener(ln, s.tls), "https://"
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	if s.logs {
		hs.ErrorLog = s.log // a handler's panic, recovered by net/http, shows in the fake's log
	}
	base := scheme + ln.Addr().String()
	s.mu.Lock()
	s.http, s.listener, s.base = hs, ln, base
	s.mu.Unlock()
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Printf("serve: %v", err)
		}
	}()
	return base, nil
}

// Close stops listening and ends every open session; it returns once each
// has ended (at most closeGrace after aborting them), so Sessions is 0.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	hs := s.http
	var open []*session
	for ss := range s.sessions {
		open = append(open, ss)
	}
	s.mu.Unlock()
	for _, ss := range open {
		ss.abort()
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
	defer cancel()
	ended := make(chan struct{})
	go func() { s.live.Wait(); close(ended) }()
	select { // an aborted session ends at once: its socket is closed
	case <-ended:
	case <-ctx.Done():
	}
	if hs == nil {
		return nil
	}
	if err := hs.Shutdown(ctx); err != nil {
		// A half-open client that never finished its request would hold
		// Shutdown until ReadHeaderTimeout: cut what is left.
		return hs.Close()
	}
	return nil
}

// closeGrace is how long Close lets REST requests in flight finish.
const closeGrace = time.Second

// sendBufferBytes caps each connection's kernel send buffer. Autotuning
// would let it grow to megabytes for a client that reads nothing; the fake's
// frames are small, and a commit's batch still fits many times over. (At
// 128 KiB, 15 s chunks took twice as long to be refused on loopback.)
const sendBufferBytes = 512 << 10

// sendBuffered is a listener whose TCP connections have the capped send buffer.
type sendBuffered struct{ net.Listener }

func (l sendBuffered) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(sendBufferBytes) // best effort: the default is only larger
	}
	return c, err
}

// track counts ss among the open sessions. It refuses while the server is
// closing, or when maxSessions are open already (full).
func (s *Server) track(ss *session) (ok, full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, false
	}
	if len(s.sessions) >= s.maxSessions {
		return false, true
	}
	s.sessions[ss] = struct{}{}
	s.live.Add(1) // before Close can wait: it sets closed under mu first
	return true, false
}

// Sessions is the number of sessions open now.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

func (s *Server) untrack(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, ss)
	s.live.Done()
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not Found"})
}
