package fakeserver

import (
	"net/http"
	"net/url"
	"slices"
	"sync"
)

// Memory keeps what every connection to a fake carried, in memory, for a
// test to read: give Options.Record its Recording. (scribecheck's own
// commands record the same hooks as wire logs on disk.)
type Memory struct {
	mu    sync.Mutex
	conns []*memoryConn
}

// Connection is one socket as the fake saw it.
type Connection struct {
	Path   string
	Query  url.Values
	Header http.Header
	// Status answered the upgrade request: 101 when it was upgraded.
	Status int
	// Body is what an answer that was no 101 said (its first 64 KiB), such
	// as {"detail":{"status":"invalid_api_key",…}}; nil when upgraded.
	Body   []byte
	Frames []Frame
	// ClosedBy is "client", "server" or "cut" (no close frame), with the close
	// code (0 for none) and reason; "" while open.
	ClosedBy string
	Code     int
	Reason   string
}

// Frame is one data frame, as it crossed the wire.
type Frame struct {
	FromClient bool
	Binary     bool
	Data       []byte
}

// NewMemory returns an empty recorder.
func NewMemory() *Memory { return &Memory{} }

// Recording is the hooks to give Options.Record.
func (m *Memory) Recording() Recording {
	return Recording{Socket: func(r *http.Request) Recorder {
		c := &memoryConn{c: Connection{Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}}
		m.mu.Lock()
		m.conns = append(m.conns, c)
		m.mu.Unlock()
		return c
	}}
}

// Connections is a copy of every connection so far, in the order they came.
func (m *Memory) Connections() []Connection {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Connection, len(m.conns))
	for i, c := range m.conns {
		c.mu.Lock()
		out[i] = c.c
		out[i].Frames = slices.Clone(c.c.Frames)
		out[i].Body = slices.Clone(c.c.Body)
		c.mu.Unlock()
	}
	return out
}

// memoryConn is one connection's Recorder.
type memoryConn struct {
	mu sync.Mutex
	c  Connection
}

func (c *memoryConn) Status(code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.c.Status = code
}

func (c *memoryConn) Refused(code int, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.c.Status, c.c.Body = code, slices.Clone(body)
}

func (c *memoryConn) Frame(fromClient, binary bool, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.c.Frames = append(c.c.Frames, Frame{FromClient: fromClient, Binary: binary, Data: slices.Clone(data)})
}

func (c *memoryConn) Closed(by string, code int, reason, _ string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c.ClosedBy == "" { // only the first call counts (Recorder)
		c.c.ClosedBy, c.c.Code, c.c.Reason = by, code, reason
	}
}
