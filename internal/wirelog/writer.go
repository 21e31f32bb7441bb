package wirelog

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/scribecheck/scribecheck/internal/secrets"
)

// Set writes the logs of one run into a directory: conn-0001.jsonl for each
// connection, in the order they arrived, and exchanges.jsonl for REST calls.
// It is safe for concurrent use.
type Set struct {
	dir     string
	secrets *secrets.Redactor
	salt    []byte
	now     func() time.Time

	mu        sync.Mutex
	n         int
	keys      map[string]bool
	exchanges *os.File
	conns     []*Conn
	err       error          // the first write error, reported by Close
	exCreds   [][]Credential // each exchange's credentials, for Seen
}

// Seen is who presented what to a Set: each connection's request
// credentials by its ID, and each exchange's (a mint's key and the token in
// its answer) in order. It is what a reader of the logs would find in their
// request and exchange records, kept as they are written, so that telling
// connections apart by credential needs no reading of every frame.
type Seen struct {
	Conns     map[string][]Credential
	Exchanges [][]Credential
}

// NewSet creates dir and writes logs into it. red learns every credential
// the set sees; the caller's reports redact with the same one.
func NewSet(dir string, red *secrets.Redactor) (*Set, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("wire logs: cannot create %s: %w", dir, err)
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return &Set{dir: dir, secrets: red, salt: salt, now: time.Now, keys: map[string]bool{}}, nil
}

// Dir is where the logs are.
func (s *Set) Dir() string { return s.dir }

// SetClock replaces time.Now (tests).
func (s *Set) SetClock(now func() time.Time) { s.now = now }

// KnownKey tells the set that v is an API key, so that it is redacted and a
// key presented where a token belongs is named as one whatever its form.
func (s *Set) KnownKey(v string) {
	s.secrets.Add(v)
	s.mu.Lock()
	s.keys[v] = true
	s.mu.Unlock()
}

func (s *Set) isKey(v string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[v]
}

// Open starts the log of a connection with its request. The log is written
// at once, so a connection that never upgrades is still recorded.
func (s *Set) Open(r *http.Request) *Conn {
	// The number and the time are taken together, so that the numbers'
	// order (ReadDir's) is the request times' order too; past conn-9999
	// the names get five digits, and only ReadDir's numeric order is right.
	s.mu.Lock()
	s.n++
	id := fmt.Sprintf("conn-%04d", s.n)
	start := s.now()
	s.mu.Unlock()
	creds := s.requestCredentials(r.URL.Query(), r.Header)
	c := &Conn{set: s, id: id, start: start, creds: creds}
	f, err := os.OpenFile(filepath.Join(s.dir, id+".jsonl"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		s.fail(err)
	} else {
		c.f = f
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	c.write(Record{Kind: KindRequest, At: c.start, Conn: id, Remote: r.RemoteAddr, Method: r.Method,
		Path: s.secrets.Redact(r.URL.Path), Query: s.queryPairs(r.URL.RawQuery), Headers: s.headerPairs(r.Header),
		Credentials: creds})
	return c
}

// Exchange records one REST request and its answer (a token being minted).
// A token in the body is learnt and redacted.
func (s *Set) Exchange(r *http.Request, status int, body []byte) {
	creds := s.requestCredentials(r.URL.Query(), r.Header)
	creds = append(creds, s.bodyCredentials(body)...)
	rec := Record{Kind: KindExchange, At: s.now(), Remote: r.RemoteAddr, Method: r.Method, Path: s.secrets.Redact(r.URL.Path),
		Query: s.queryPairs(r.URL.RawQuery), Headers: s.headerPairs(r.Header), Credentials: creds,
		Status: status, Body: s.secrets.Redact(string(body))}
	b, err := json.Marshal(rec)
	if err != nil {
		s.fail(err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exCreds = append(s.exCreds, creds)
	if s.exchanges == nil {
		f, err := os.OpenFile(filepath.Join(s.dir, "exchanges.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			s.failLocked(err)
			return
		}
		s.exchanges = f
	}
	if _, err := s.exchanges.Write(append(b, '\n')); err != nil {
		s.failLocked(err)
	}
}

// Seen is who presented what so far: every connection Open has begun and
// every Exchange, read from memory.
func (s *Set) Seen() Seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := Seen{Conns: make(map[string][]Credential, len(s.conns)), Exchanges: slices.Clone(s.exCreds)}
	for _, c := range s.conns {
		seen.Conns[c.id] = c.creds
	}
	return seen
}

// Close ends every log still open (as cut: the recording stopped while the
// connection was open) and reports the first write error.
func (s *Set) Close() error {
	s.mu.Lock()
	conns := append([]*Conn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		c.Closed(ByCut, 0, "", RecordingEnded)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exchanges != nil {
		if err := s.exchanges.Close(); err != nil && s.err == nil {
			s.err = err
		}
		s.exchanges = nil
	}
	return s.err
}

func (s *Set) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLocked(err)
}

func (s *Set) failLocked(err error) {
	if s.err == nil {
		s.err = fmt.Errorf("wire logs in %s: %w", s.dir, err)
	}
}

// queryPairs are a request's query parameters, names and values redacted
// (its credentials were learnt first, so they go); a credential too short to be redacted by
// value shows as its credential record shows it.
func (s *Set) queryPairs(raw string) []Pair {
	ps := QueryPairs(raw)
	for i, p := range ps {
		// A name is redacted too, and learnt when it is shaped as a token or
		// a key: a client that sends its token bare (?sutkn_…, no token=)
		// puts the secret where a name goes.
		if sh := s.shape(p.Name); sh == ShapeToken || sh == ShapeAPIKey {
			s.secrets.Add(p.Name)
		}
		ps[i].Name = s.secrets.Redact(p.Name)
		if IsCredentialQueryKey(p.Name) && s.tooShort(p.Value) {
			ps[i].Value = shortSecret
		} else {
			ps[i].Value = s.secrets.Redact(p.Value)
		}
	}
	return ps
}

// headerPairs are a request's headers, redacted as queryPairs are (an
// Authorization header keeps its scheme).
func (s *Set) headerPairs(h http.Header) []Pair {
	var out []Pair
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			shown := s.secrets.Redact(v)
			if cred := HeaderCredential(k, v); isCredentialHeader(k) && s.tooShort(cred) {
				i := strings.LastIndex(v, cred)
				shown = s.secrets.Redact(v[:i]) + shortSecret + s.secrets.Redact(v[i+len(cred):])
			}
			out = append(out, Pair{k, shown})
		}
	}
	return out
}

// tooShort: a credential value that is a secret too short to be redacted
// by value.
func (s *Set) tooShort(v string) bool { return len(v) < secrets.MinLength && isSecret(s.shape(v)) }

// QueryPairs splits a raw query keeping the order and repetition of its
// parts; a part that does not decode is kept as sent.
func QueryPairs(raw string) []Pair {
	var out []Pair
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		out = append(out, Pair{k, v})
	}
	return out
}

// Conn is the log of one connection. Its methods are safe for concurrent
// use and do nothing once the connection is closed.
type Conn struct {
	set   *Set
	id    string
	start time.Time
	creds []Credential // its request's

	mu     sync.Mutex
	f      *os.File
	closed bool
}

// ID names the connection (conn-0001).
func (c *Conn) ID() string { return c.id }

// Status records the HTTP answer to the request: 101 when it upgraded. An
// answer that refused the upgrade is better recorded with Refused, which
// keeps what the server said.
func (c *Conn) Status(code int) {
	c.write(Record{Kind: KindResponse, T: c.since(), Status: code})
}

// Refused records an HTTP answer to the request that was no upgrade (a 401,
// a 429, a 502 …) with its body, the server's own words, such as
// {"detail":{"status":"invalid_api_key",…}}: redacted, then clipped to its
// first MaxRefusalBody bytes (Clipped set), as text. Call it once the body
// is known, in place of Status.
func (c *Conn) Refused(code int, body []byte) {
	kept, cut := c.set.redactClip(body, MaxRefusalBody)
	if cut {
		kept = wholeRunes(kept)
	}
	c.write(Record{Kind: KindResponse, T: c.since(), Status: code, Body: kept, Clipped: cut})
}

// MaxRefusalBody is the most of a refusal's body a log keeps: an error's
// JSON is far shorter, and the first KiB of a proxy's HTML error page says
// what it is (a WebSocket client, and so the recording proxy, reads no
// more than 1 KiB of it).
const MaxRefusalBody = 4 << 10

// Frame records one data frame. fromClient is its direction; binary is its
// opcode. This is the one rule by which a frame's bytes become a record, and
// Record.Payload, below, is the one that turns a record back into them:
//
//   - a text frame of valid UTF-8 is kept as its text;
//   - a binary frame is kept as base64, with Binary set;
//   - a text frame that is not valid UTF-8 (a protocol error worth keeping
//     exactly, which JSON cannot hold as text) is kept as base64 with Binary
//     set and Error saying so: the record format has no third kind, and old
//     recordings read this way.
//
// The credentials in a client's text frame are learnt first (FrameSecrets).
// Every frame is redacted, whatever its kind, before it is clipped: Data
// holds at most MaxFrameData bytes (Clipped set), a clipped text frame ends
// on a whole character, and Len is the frame's size on the wire.
func (c *Conn) Frame(fromClient, binary bool, data []byte) {
	rec := Record{Kind: KindFrame, T: c.since(), Dir: FromServer, Len: len(data)}
	if fromClient {
		rec.Dir = FromClient
	}
	kind := FrameText
	switch {
	case binary:
		kind = FrameBinary
	case !utf8.Valid(data): // the whole frame: a clip must not make text invalid, nor hide a bad byte
		kind = FrameNotUTF8
	}
	if fromClient && kind == FrameText {
		c.set.learnFrame(data) // a credential sent in a frame is redacted from it, and everywhere after
	}
	kept, cut := c.set.redactClip(data, MaxFrameData)
	if cut && kind == FrameText {
		kept = wholeRunes(kept)
	}
	rec.Clipped = cut
	switch kind {
	case FrameText:
		rec.Data = kept
	case FrameBinary:
		rec.Data, rec.Binary = base64.StdEncoding.EncodeToString([]byte(kept)), true
	case FrameNotUTF8:
		rec.Data, rec.Binary = base64.StdEncoding.EncodeToString([]byte(kept)), true
		rec.Error = notUTF8Error
	}
	c.write(rec)
}

// redactClip redacts data and keeps at most its first limit bytes (cut set
// when it kept fewer than all). A secret cut in two by the clip would no
// longer be found, so data is redacted first. Huge data is not copied
// whole: redact redactMargin bytes past the limit and drop as many again
// from the end, which removes any secret the cut split.
func (s *Set) redactClip(data []byte, limit int) (kept string, cut bool) {
	cut = len(data) > limit+redactMargin
	if cut {
		data = data[:limit+redactMargin]
	}
	kept = s.secrets.Redact(string(data))
	if cut {
		kept = kept[:max(0, len(kept)-redactMargin)]
	}
	if len(kept) > limit {
		kept, cut = kept[:limit], true
	}
	return kept, cut
}

// redactMargin is longer than any secret in any form it takes.
const redactMargin = 4 << 10

// notUTF8Error is the Error of a text frame that is not valid UTF-8.
const notUTF8Error = "text frame is not valid UTF-8; data is base64"

// wholeRunes drops a character the clip cut short at the end of valid text.
func wholeRunes(s string) string {
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				return s[:i]
			}
			break
		}
	}
	return s
}

// FrameKind is what a recorded frame was on the wire.
type FrameKind int

// Kinds of frame.
const (
	// FrameText: a text frame of valid UTF-8.
	FrameText FrameKind = iota + 1
	// FrameBinary: a binary frame.
	FrameBinary
	// FrameNotUTF8: a text frame whose bytes are not valid UTF-8, which
	// RFC 6455 forbids: a text frame on the wire all the same.
	FrameNotUTF8
)

func (k FrameKind) String() string {
	switch k {
	case FrameText:
		return "text"
	case FrameBinary:
		return "binary"
	case FrameNotUTF8:
		return "text that is not UTF-8"
	}
	return fmt.Sprintf("FrameKind(%d)", int(k))
}

// Payload is a recorded frame as it was on the wire, as far as the record
// keeps it.
type Payload struct {
	Kind FrameKind
	// Data is the frame's bytes, redacted; only the first ones (at most
	// MaxFrameData) when Clipped.
	Data []byte
	// Len is the frame's size on the wire in bytes.
	Len     int
	Clipped bool
}

// Text reports whether the frame was sent as a text frame (its opcode),
// whether or not its bytes are UTF-8.
func (p Payload) Text() bool { return p.Kind != FrameBinary }

// Payload decodes a frame record, inverting Conn.Frame: every reader of a
// recorded frame goes through it, so a text frame that is not UTF-8 is never
// taken for a binary one. The error says the record is damaged (base64 that
// does not decode) or is no frame.
func (r Record) Payload() (Payload, error) {
	if r.Kind != KindFrame {
		return Payload{}, fmt.Errorf("a %q record is not a frame", r.Kind)
	}
	p := Payload{Kind: FrameText, Data: []byte(r.Data), Len: r.Len, Clipped: r.Clipped}
	if r.Binary {
		// The writer sets Error on a frame for one reason only.
		p.Kind = FrameBinary
		if r.Error != "" {
			p.Kind = FrameNotUTF8
		}
		b, err := base64.StdEncoding.DecodeString(r.Data)
		if err != nil {
			return Payload{}, fmt.Errorf("the recorded %s frame's data is not base64 (%v): the recording is damaged", p.Kind, err)
		}
		p.Data = b
	}
	if p.Len == 0 && !p.Clipped { // a record written by hand without len
		p.Len = len(p.Data)
	}
	return p, nil
}

// Closed records how the connection ended and closes the log: by is
// FromClient, FromServer or ByCut; code is the close code (0 for none).
// Only the first call counts.
func (c *Conn) Closed(by string, code int, reason, errText string) {
	c.closeWith(Record{Kind: KindClose, By: by, Code: code, Reason: c.set.secrets.Redact(reason), Error: c.set.secrets.Redact(errText)})
}

// closeWith writes the close record (at the time now) and closes the log,
// once.
func (c *Conn) closeWith(rec Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	rec.T = c.since()
	c.writeLocked(rec)
	c.closed = true
	if c.f != nil {
		if err := c.f.Close(); err != nil {
			c.set.fail(err)
		}
		c.f = nil
	}
}

// Cut records that side (FromClient or FromServer) vanished without a close
// frame, and why, and closes the log: what a recorder in the middle sees.
func (c *Conn) Cut(side, errText string) {
	c.closeWith(Record{Kind: KindClose, By: ByCut, CutBy: side, Error: c.set.secrets.Redact(errText)})
}

func (c *Conn) since() float64 {
	return float64(c.set.now().Sub(c.start).Microseconds()) / 1e6
}

func (c *Conn) write(rec Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.writeLocked(rec)
}

// writeLocked writes one record in one write call: the file is unbuffered,
// so the record survives the process.
func (c *Conn) writeLocked(rec Record) {
	if c.f == nil {
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		c.set.fail(err)
		return
	}
	if _, err := c.f.Write(append(b, '\n')); err != nil {
		c.set.fail(err)
	}
}
