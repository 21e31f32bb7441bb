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
	err       error // the first write error, reported by Close
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
	s.mu.Lock()
	s.n++
	id := fmt.Sprintf("conn-%04d", s.n)
	s.mu.Unlock()
	c := &Conn{set: s, id: id, start: s.now()}
	f, err := os.OpenFile(filepath.Join(s.dir, id+".jsonl"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		s.fail(err)
	} else {
		c.f = f
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	q := r.URL.Query()
	creds := s.requestCredentials(q, r.Header)
	c.write(Record{Kind: KindRequest, At: c.start, Conn: id, Remote: r.RemoteAddr, Method: r.Method,
		Path: s.secrets.Redact(r.URL.Path), Query: s.pairs(QueryPairs(r.URL.RawQuery)), Headers: s.pairs(headerPairs(r.Header)),
		Credentials: creds})
	return c
}

// Exchange records one REST request and its answer (a token being minted).
// A token in the body is learnt and redacted.
func (s *Set) Exchange(r *http.Request, status int, body []byte) {
	creds := s.requestCredentials(r.URL.Query(), r.Header)
	creds = append(creds, s.bodyCredentials(body)...)
	rec := Record{Kind: KindExchange, At: s.now(), Remote: r.RemoteAddr, Method: r.Method, Path: s.secrets.Redact(r.URL.Path),
		Query: s.pairs(QueryPairs(r.URL.RawQuery)), Headers: s.pairs(headerPairs(r.Header)), Credentials: creds,
		Status: status, Body: s.secrets.Redact(string(body))}
	b, err := json.Marshal(rec)
	if err != nil {
		s.fail(err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
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

// pairs redacts every value (credentials were learnt first, so they go).
func (s *Set) pairs(in []Pair) []Pair {
	for i := range in {
		in[i].Value = s.secrets.Redact(in[i].Value)
	}
	return in
}

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

func headerPairs(h http.Header) []Pair {
	var out []Pair
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			out = append(out, Pair{k, v})
		}
	}
	return out
}

// Conn is the log of one connection. Its methods are safe for concurrent
// use and do nothing once the connection is closed.
type Conn struct {
	set   *Set
	id    string
	start time.Time

	mu     sync.Mutex
	f      *os.File
	closed bool
}

// ID names the connection (conn-0001).
func (c *Conn) ID() string { return c.id }

// Status records the HTTP answer to the request: 101 when it upgraded.
func (c *Conn) Status(code int) {
	c.write(Record{Kind: KindResponse, T: c.since(), Status: code})
}

// Frame records one data frame. fromClient is its direction; a binary
// frame's data is kept as base64.
func (c *Conn) Frame(fromClient, binary bool, data []byte) {
	rec := Record{Kind: KindFrame, T: c.since(), Dir: FromServer, Binary: binary, Len: len(data)}
	if fromClient {
		rec.Dir = FromClient
	}
	if len(data) > MaxFrameData {
		data, rec.Clipped = data[:MaxFrameData], true
	}
	switch {
	case binary:
		rec.Data = base64.StdEncoding.EncodeToString(data)
	case utf8.Valid(data):
		rec.Data = c.set.secrets.Redact(string(data))
	default: // a text frame that is not UTF-8 is a protocol error worth keeping exactly
		rec.Data, rec.Binary = base64.StdEncoding.EncodeToString(data), true
		rec.Error = "text frame is not valid UTF-8; data is base64"
	}
	c.write(rec)
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
