package replay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// Options configure a replay.
type Options struct {
	// Speed scales the recorded timing: 1 as recorded, 2 twice as fast; 0
	// (and below) sends every frame without waiting.
	Speed float64
	// Sleep waits d or until ctx ends; a timer if nil. Tests inject one.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxGap caps one wait between records after scaling (default
	// DefaultMaxGap): a recording's long silence, or a HAR whose clocks
	// disagree, must not hold a replay for minutes.
	MaxGap time.Duration
	// WaitClient is how long a recorded client frame, or the client's close,
	// is awaited before it is called missing; DefaultWaitClient if zero.
	WaitClient time.Duration
	// ReadLimit is the largest client frame accepted; DefaultReadLimit if
	// zero.
	ReadLimit int64
	// Log, if set, gets one line per connection (and token request) as it
	// ends.
	Log io.Writer
	// Redactor learns every credential the client presents (shown as its
	// shape, <token>, unless it knew it before) and redacts the report and
	// the log; the caller may redact its own output with it. New makes one
	// if nil.
	Redactor *secrets.Redactor
}

// Defaults of Options.
const (
	DefaultWaitClient = 10 * time.Second
	// DefaultReadLimit admits far more than the largest sensible audio chunk;
	// the coder/websocket default of 32 KiB would break real clients.
	DefaultReadLimit = 16 << 20
)

// maxDivergences is the most one connection keeps; the rest are counted.
const maxDivergences = 100

// Server serves one recording. Make it with New; serve it with Start or
// Handler; stop it with Close; read what it found with Report.
type Server struct {
	rec  *Recording
	opts Options
	red  *secrets.Redactor // shows each credential the client presented as its shape

	ctx    context.Context // cancelled by Close: every replay ends
	cancel context.CancelFunc
	wg     sync.WaitGroup // handlers in flight

	// recCreds and recOrigins are the recorded credentials of each
	// connection, and where each came from (see origin).
	recCreds   [][]cred
	recOrigins [][]string
	mintCreds  [][]cred

	mu       sync.Mutex
	conns    []*ConnReport // one per recorded connection
	extras   []*ConnReport
	sockets  int
	requests int
	mints    int
	mintDivs []Divergence
	minted   map[string]int // a token the replay minted → its token request (1-based)
	used     map[string]int // a credential value → the first socket that presented it
	closed   bool
	http     *http.Server

	logMu sync.Mutex
}

// DefaultMaxGap is the longest wait between two records unless told
// otherwise; closeGrace how long Close lets replays in flight end by
// themselves.
const (
	DefaultMaxGap = 30 * time.Second
	closeGrace    = 500 * time.Millisecond
)

// New makes a server for rec.
func New(rec *Recording, opts Options) *Server {
	if opts.Speed < 0 {
		opts.Speed = 0
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.WaitClient <= 0 {
		opts.WaitClient = DefaultWaitClient
	}
	if opts.MaxGap <= 0 {
		opts.MaxGap = DefaultMaxGap
	}
	if opts.ReadLimit <= 0 {
		opts.ReadLimit = DefaultReadLimit
	}
	if opts.Redactor == nil {
		opts.Redactor = secrets.New()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{rec: rec, opts: opts, red: opts.Redactor, ctx: ctx, cancel: cancel,
		minted: map[string]int{}, used: map[string]int{}}
	for _, l := range rec.Conns {
		s.conns = append(s.conns, &ConnReport{Conn: l.ID, File: filepath.Base(l.File), State: StateWaiting, Frames: len(l.Frames)})
	}
	for _, m := range rec.Mints {
		s.mintCreds = append(s.mintCreds, headerOnly(recordedCreds(m)))
	}
	s.recCreds, s.recOrigins = recordedOrigins(rec)
	return s
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// recordedOrigins classifies where each recorded credential came from: the
// same value as on an earlier connection (reuse), else the token of a
// recorded token request, else "" (a value not seen before). The wire log's
// salted ids say which values were equal without showing them.
func recordedOrigins(rec *Recording) ([][]cred, [][]string) {
	mintOf := map[string]int{}
	for i, m := range rec.Mints {
		for _, c := range m.Credentials {
			if c.Where == wirelog.WhereBodyToken && c.ID != "" {
				mintOf[c.ID] = i + 1
			}
		}
	}
	seen := map[string]int{}
	creds := make([][]cred, len(rec.Conns))
	origins := make([][]string, len(rec.Conns))
	for n, l := range rec.Conns {
		creds[n] = recordedCreds(l.Request)
		for _, c := range creds[n] {
			o := ""
			if c.id != "" {
				o = origin(seen[c.id], mintOf[c.id])
				if _, ok := seen[c.id]; !ok {
					seen[c.id] = n + 1
				}
			}
			origins[n] = append(origins[n], o)
		}
	}
	return creds, origins
}

// origin describes where a credential came from: reuse wins over minting,
// since a minted token presented twice is the bug worth naming.
func origin(sameAsConn, mint int) string {
	switch {
	case sameAsConn > 0:
		return fmt.Sprintf("the same value as on connection %d", sameAsConn)
	case mint > 0:
		return fmt.Sprintf("the token of token request %d", mint)
	}
	return "a value not seen before"
}

func headerOnly(cs []cred) []cred {
	var out []cred
	for _, c := range cs {
		if c.where == "header:"+protocol.APIKeyHeader {
			out = append(out, c)
		}
	}
	return out
}

// Handler serves the replay: every WebSocket upgrade (on any path, so that a
// wrong path is reported, not refused) and GET on the realtime path is a
// socket; POST /v1/single-use-token/{type} mints; the rest is 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.SingleUseTokenPath+"{token_type}", s.handleMint)
	mux.HandleFunc("OPTIONS "+protocol.SingleUseTokenPath+"{token_type}", handlePreflight)
	mux.HandleFunc("/", s.handleOther)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isSocket(r) {
			s.handleSocket(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func isSocket(r *http.Request) bool {
	for _, v := range r.Header.Values("Upgrade") {
		if strings.EqualFold(strings.TrimSpace(v), "websocket") {
			return true
		}
	}
	return r.Method == http.MethodGet && isRealtimePath(r.URL.Path)
}

// Start listens on addr (host:port; port 0 picks one) and serves in the
// background. It returns the base URL, http://HOST:PORT.
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("replay server cannot listen on %s: %w", addr, err)
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ln.Close()
		return "", errors.New("replay server is closed")
	}
	s.http = hs
	s.mu.Unlock()
	go func() { _ = hs.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Close stops listening and ends every replay in progress (each is reported
// as stopped). After Close, a recorded connection the client never opened,
// and a recorded token request it never made, are divergences in Report.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	hs := s.http
	s.mu.Unlock()
	// A replay whose client has just closed (the app exited) ends by
	// itself within moments: let it, so it is not reported as stopped.
	settled := make(chan struct{})
	go func() { s.wg.Wait(); close(settled) }()
	select {
	case <-settled:
	case <-time.After(closeGrace):
	}
	s.cancel()
	var err error
	if hs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = hs.Shutdown(ctx)
		cancel()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second): // a close handshake is bounded by 5 s; never hang
	}
	return err
}

// begin registers a handler in flight; false once the server is closed.
func (s *Server) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// Report is what the replay found so far, redacted.
func (s *Server) Report() Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := Report{Recording: s.rec.Source, Speed: s.opts.Speed, Sockets: s.sockets, Requests: s.requests,
		MintsRecorded: len(s.rec.Mints), MintsRequested: s.mints, Skipped: s.rec.Skipped}
	for i, c := range append(append([]*ConnReport(nil), s.conns...), s.extras...) {
		cc := *c
		cc.Divergences = nil
		if s.closed && cc.State == StateWaiting && i < len(s.conns) {
			cc.State = StateNotOpened
			cc.Divergences = append(cc.Divergences, Divergence{Conn: cc.Conn, Kind: KindConnection,
				Want: fmt.Sprintf("the client opens connection %d (%s)", i+1, cc.File), Got: "never opened",
				Detail: fmt.Sprintf("the client opened %s; the recording has %d", text.Plural(s.sockets, "socket", "sockets"), len(s.conns))})
		}
		for _, d := range c.Divergences {
			cc.Divergences = append(cc.Divergences, redactDivergence(s.red, d))
		}
		cc.Request = s.red.Redact(cc.Request)
		r.Connections = append(r.Connections, cc)
	}
	for _, d := range s.mintDivs {
		r.Mints = append(r.Mints, redactDivergence(s.red, d))
	}
	if s.closed && s.mints < len(s.rec.Mints) {
		r.Mints = append(r.Mints, Divergence{Conn: fmt.Sprintf("mint-%d", s.mints+1), Kind: KindMint,
			Want: text.Plural(len(s.rec.Mints), "token request", "token requests"), Got: text.Plural(s.mints, "token request", "token requests"),
			Detail: fmt.Sprintf("the client made %d of the recording's %s", s.mints, text.Plural(len(s.rec.Mints), "token request", "token requests"))})
	}
	r.Summary = r.summarize()
	return r
}

// diverge adds a divergence to a connection, up to maxDivergences.
func (s *Server) diverge(c *ConnReport, d Divergence) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Conn = c.Conn
	if len(c.Divergences) >= maxDivergences {
		c.Omitted++
		return
	}
	c.Divergences = append(c.Divergences, d)
}

// update changes a connection's report under the lock.
func (s *Server) update(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log == nil {
		return
	}
	line := s.red.Redact(fmt.Sprintf(format, args...))
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Log, "replay: %s\n", line)
}

// learn registers the client's credentials with the redactor before
// anything about the request is shown.
func (s *Server) learn(cs []cred) {
	for _, c := range cs {
		s.learnValue(c.value, c.shape)
	}
}

// learnValue registers one credential, shown as its shape (<token>); a
// placeholder or an empty value is no secret.
func (s *Server) learnValue(value, shape string) {
	if shape != wirelog.ShapePlaceholder && shape != wirelog.ShapeEmpty {
		s.red.AddAs(value, "<"+shape+">")
	}
}

// learnFrame registers the credentials a client frame carries (an app that
// authenticates in a frame, the TTS way) before the frame is shown, by the
// recorder's rule (wirelog.FrameSecrets).
func (s *Server) learnFrame(data []byte) {
	for _, c := range wirelog.FrameSecrets(data, nil) {
		s.learnValue(c.Value, c.Shape)
	}
}

// handshake compares a socket's request with recorded connection n (1-based).
func (s *Server) handshake(n int, l *wirelog.Log, r *http.Request, got []cred) []Divergence {
	var out []Divergence
	if r.URL.Path != l.Request.Path {
		out = append(out, Divergence{Kind: KindPath, Want: l.Request.Path, Got: r.URL.Path,
			Detail: "the socket's path differs from the recording's"})
	}
	out = append(out, compareQuery(l.Request.Query, wirelog.QueryPairs(r.URL.RawQuery))...)
	want := s.recCreds[n-1]
	out = append(out, compareShapes(want, got)...)

	s.mu.Lock()
	defer s.mu.Unlock()
	live := make([]string, len(got))
	for i, c := range got {
		live[i] = origin(s.used[c.value], s.minted[c.value])
	}
	for _, c := range got {
		if _, ok := s.used[c.value]; !ok && c.shape != wirelog.ShapeEmpty && c.shape != wirelog.ShapePlaceholder {
			s.used[c.value] = n
		}
	}
	// Origins are compared position by position where the shapes agree.
	pos := map[string]int{}
	for i, c := range got {
		k := pos[c.where]
		pos[c.where]++
		j := nth(want, c.where, k)
		if j < 0 || want[j].shape != c.shape || want[j].id == "" ||
			c.shape == wirelog.ShapeEmpty || c.shape == wirelog.ShapePlaceholder {
			continue
		}
		if w := s.recOrigins[n-1][j]; w != live[i] {
			out = append(out, Divergence{Kind: KindCredential,
				Want:   fmt.Sprintf("%s: %s", showWhere(c.where, want[j].shown), w),
				Got:    fmt.Sprintf("%s: %s", showWhere(c.where, c.shown), live[i]),
				Detail: fmt.Sprintf("%s: the client sends %s; the recording has %s", whereName(c.where), live[i], w)})
		}
	}
	return out
}

// nth is the index in cs of the k-th credential at where, or -1.
func nth(cs []cred, where string, k int) int {
	for i, c := range cs {
		if c.where == where {
			if k == 0 {
				return i
			}
			k--
		}
	}
	return -1
}

// compareShapes compares credentials position by position, by shape.
func compareShapes(want, got []cred) []Divergence {
	var wheres []string
	for _, c := range append(append([]cred(nil), want...), got...) {
		if !slices.Contains(wheres, c.where) {
			wheres = append(wheres, c.where)
		}
	}
	var out []Divergence
	for _, where := range wheres {
		var ws, gs []cred
		for _, c := range want {
			if c.where == where {
				ws = append(ws, c)
			}
		}
		for _, c := range got {
			if c.where == where {
				gs = append(gs, c)
			}
		}
		if sameShapes(ws, gs) {
			continue
		}
		out = append(out, Divergence{Kind: KindCredential, Want: showCreds(where, ws), Got: showCreds(where, gs),
			Detail: fmt.Sprintf("%s: the recording has %s, the client sends %s", whereName(where), describe(ws), describe(gs))})
	}
	return out
}

func sameShapes(a, b []cred) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].shape != b[i].shape {
			return false
		}
	}
	return true
}

func showWhere(where, shown string) string {
	kind, name, _ := strings.Cut(where, ":")
	if kind == "header" {
		return name + ": " + shown
	}
	return name + "=" + shown
}

func whereName(where string) string {
	kind, name, _ := strings.Cut(where, ":")
	if kind == "header" {
		return "header " + name
	}
	return "query " + name
}

func showCreds(where string, cs []cred) string {
	if len(cs) == 0 {
		return "(absent)"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = showWhere(where, c.shown)
	}
	return strings.Join(parts, " & ")
}

func describe(cs []cred) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		switch c.shape {
		case wirelog.ShapeToken:
			parts[i] = "a single-use token"
		case wirelog.ShapeAPIKey:
			parts[i] = "an API key"
		case wirelog.ShapePlaceholder:
			parts[i] = "the placeholder " + c.shown
		case wirelog.ShapeEmpty:
			parts[i] = "an empty value"
		default:
			parts[i] = "a value that is neither a token nor an API key"
		}
	}
	return strings.Join(parts, " and ")
}

// handleMint answers the n-th token request with the n-th recorded one.
func (s *Server) handleMint(w http.ResponseWriter, r *http.Request) {
	if !s.begin() {
		writeDetail(w, http.StatusServiceUnavailable, "replay_closed", "scribecheck replay: the replay server is closing")
		return
	}
	defer s.wg.Done()
	allowCORS(w)
	got := liveCreds(r)
	s.learn(got)
	s.mu.Lock()
	s.requests++
	s.mints++
	m := s.mints
	s.mu.Unlock()
	name := fmt.Sprintf("mint-%d", m)
	if m > len(s.rec.Mints) {
		s.addMint(Divergence{Conn: name, Kind: KindMint, Want: fmt.Sprintf("no token request %d (the recording has %d)", m, len(s.rec.Mints)),
			Got: r.Method + " " + r.URL.Path, Detail: "a token request the recording does not have"})
		s.logf("%s %s %s: not in the recording (503)", name, r.Method, r.URL.Path)
		writeDetail(w, http.StatusServiceUnavailable, "replay_extra_request",
			fmt.Sprintf("scribecheck replay: the recording has %s; this is request %d", text.Plural(len(s.rec.Mints), "token request", "token requests"), m))
		return
	}
	ex := s.rec.Mints[m-1]
	diverged := false
	backend := handedOutByBackend(ex) // any mint stands for the backend's
	if r.URL.Path != ex.Path && !backend {
		diverged = true
		s.addMint(Divergence{Conn: name, Kind: KindMint, Want: "POST " + ex.Path, Got: r.Method + " " + r.URL.Path,
			Detail: fmt.Sprintf("token type %q, recorded %q", strings.TrimPrefix(r.URL.Path, protocol.SingleUseTokenPath),
				strings.TrimPrefix(ex.Path, protocol.SingleUseTokenPath))})
	}
	for _, d := range compareShapes(s.mintCreds[m-1], headerOnly(got)) {
		if backend {
			break // the browser's request to its backend carried other credentials
		}
		diverged = true
		d.Conn = name
		s.addMint(d)
	}
	body := ex.Body
	if t := gjson.Get(body, "token"); t.Exists() && t.Type == gjson.String && t.Index > 0 {
		token := protocol.TokenPrefix + "replay_" + randomHex(16)
		quoted, _ := json.Marshal(token)
		body = body[:t.Index] + string(quoted) + body[t.Index+len(t.Raw):]
		s.mu.Lock()
		s.minted[token] = m
		s.mu.Unlock()
	}
	status := ex.Status
	if status == 0 {
		status = http.StatusOK
	}
	verdict := "as recorded"
	if diverged {
		verdict = "diverged"
	}
	s.logf("%s %s %s: %d, %s", name, r.Method, r.URL.Path, status, verdict)
	if gjson.Valid(body) {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (s *Server) addMint(d Divergence) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.mintDivs) < maxDivergences {
		s.mintDivs = append(s.mintDivs, d)
	}
}

func (s *Server) handleOther(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	allowCORS(w)
	s.logf("%s %s: 404 (a replay serves only token requests and the realtime socket)", r.Method, r.URL.Path)
	writeDetail(w, http.StatusNotFound, "not_found", fmt.Sprintf(
		"scribecheck replay: this server replays a recording and serves only POST %s{token_type} and the socket %s; %s %s is not one of them",
		protocol.SingleUseTokenPath, protocol.RealtimePath, r.Method, r.URL.Path))
}

// handlePreflight lets a browser app mint tokens from the replay.
func handlePreflight(w http.ResponseWriter, r *http.Request) {
	allowCORS(w)
	w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "*")
	w.WriteHeader(http.StatusNoContent)
}

func allowCORS(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
}

// writeDetail writes {"detail":{"status":…,"message":…}}, the API's error shape.
func writeDetail(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"detail": map[string]string{"status": code, "message": message}})
}

// Key is the API key handed to the app: any key is accepted, and this one
// has the shape of an API key, as the recording's key had.
func Key() string { return "sk_replay_" + randomHex(16) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
