package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/scribecheck/scribecheck/internal/text"
)

// Kinds of divergence.
const (
	KindQuery      = "query"      // a query parameter differs (not a credential)
	KindCredential = "credential" // a credential's shape or origin differs
	KindPath       = "path"       // the socket's path differs
	KindStatus     = "status"     // the handshake did not go as recorded (no upgrade)
	KindFrame      = "frame"      // a client frame differs from the recorded one
	KindAudio      = "audio"      // the client's audio up to a commit differs in length, or a commit the recording lacks
	KindMissing    = "missing"    // a recorded client frame did not come
	KindExtra      = "extra"      // a client frame or a socket the recording does not have
	KindClose      = "close"      // the connection ended otherwise than recorded
	KindConnection = "connection" // a recorded connection the client never opened
	KindMint       = "mint"       // a token request differs, is extra, or never came
)

// Divergence is one place where the client did not do what the recording did.
type Divergence struct {
	// Conn is the recorded connection (conn-0002), extra-N for a socket beyond
	// the recording, mint-N for the N-th token request.
	Conn string `json:"conn"`
	Kind string `json:"kind"`
	// Index is the recorded frame concerned, 1-based over the frames of both
	// directions; 0 when no frame is (the handshake, a token request).
	Index int `json:"index,omitempty"`
	// At is the recorded time of that frame or close, in seconds from the
	// recorded request.
	At float64 `json:"at"`
	// Want is what the recording has, Got what the client did; both clipped,
	// credentials shown by shape only.
	Want string `json:"want"`
	Got  string `json:"got"`
	// Detail says in a sentence what differs.
	Detail string `json:"detail,omitempty"`
}

// Short is the divergence in a few words, for summaries.
func (d Divergence) Short() string {
	if d.Detail != "" {
		return d.Kind + ": " + text.Clip(d.Detail, 140)
	}
	return fmt.Sprintf("%s: want %s, got %s", d.Kind, text.Clip(d.Want, 60), text.Clip(d.Got, 60))
}

// where says where a divergence is: at frame k, at the handshake, ….
func (d Divergence) where() string {
	if n, ok := strings.CutPrefix(d.Conn, "mint-"); ok {
		return "token request " + n
	}
	switch {
	case d.Index > 0:
		return fmt.Sprintf("frame %d", d.Index)
	case d.Kind == KindQuery || d.Kind == KindCredential || d.Kind == KindPath || d.Kind == KindStatus:
		return "the handshake"
	case d.Kind == KindClose:
		return "the close"
	case d.Kind == KindConnection:
		return "the connection"
	case d.Kind == KindExtra:
		return "the handshake"
	}
	return d.Conn
}

// Connection states.
const (
	StateWaiting   = "waiting"   // the client has not opened it yet
	StateReplaying = "replaying" // in progress
	StateDone      = "done"
	StateNotOpened = "not opened" // the server closed before the client opened it
)

// ConnReport is one recorded connection (or one extra socket).
type ConnReport struct {
	Conn string `json:"conn"`
	// File is the recorded log.
	File string `json:"file,omitempty"`
	// Socket is which of the client's sockets it was (1-based); 0 if none.
	Socket int    `json:"socket,omitempty"`
	State  string `json:"state"`
	// Request is the client's request, credentials shown by shape.
	Request string `json:"request,omitempty"`
	// Frames is how many frames the recording has, Done how many of them
	// were played or received.
	Frames      int          `json:"frames"`
	Done        int          `json:"done"`
	Divergences []Divergence `json:"divergences,omitempty"`
	// Omitted divergences beyond the most one connection keeps.
	Omitted int `json:"omitted,omitempty"`
}

// AsRecorded reports whether the connection was replayed to its end without
// a divergence.
func (c ConnReport) AsRecorded() bool {
	return c.State == StateDone && len(c.Divergences) == 0 && c.Omitted == 0
}

// Report is what a replay found so far.
type Report struct {
	Recording string  `json:"recording"`
	Speed     float64 `json:"speed"`
	// Connections are the recorded connections in order, then the extra
	// sockets.
	Connections []ConnReport `json:"connections"`
	// Sockets the client opened; Requests the REST requests it made.
	Sockets  int `json:"sockets"`
	Requests int `json:"requests"`
	// MintsRecorded and MintsRequested count token requests.
	MintsRecorded  int          `json:"mints_recorded"`
	MintsRequested int          `json:"mints_requested"`
	Mints          []Divergence `json:"mint_divergences,omitempty"`
	Skipped        []string     `json:"skipped,omitempty"`
	Summary        string       `json:"summary"`
}

// Divergences lists every divergence, connections first, then token requests.
func (r Report) Divergences() []Divergence {
	var out []Divergence
	for _, c := range r.Connections {
		out = append(out, c.Divergences...)
	}
	return append(out, r.Mints...)
}

// Diverged reports whether the client diverged anywhere.
func (r Report) Diverged() bool {
	for _, c := range r.Connections {
		if len(c.Divergences) > 0 || c.Omitted > 0 {
			return true
		}
	}
	return len(r.Mints) > 0
}

// Connected reports whether the client reached the replay at all.
func (r Report) Connected() bool { return r.Sockets > 0 || r.Requests > 0 }

// JSON is the report as indented JSON (<token> stays readable: no HTML
// escaping).
func (r Report) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// WriteJSON writes the report into dir as replay.json and returns its path.
func (r Report) WriteJSON(dir string) (string, error) {
	b, err := r.JSON()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cannot create %s: %w", dir, err)
	}
	path := filepath.Join(dir, "replay.json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// summarize makes the one-line summary:
// "replayed 3 connections: 2 as recorded, 1 diverged: conn-0003 at frame 4 (…)".
func (r Report) summarize() string {
	recorded := 0
	var asRec, inProgress, notOpened, extra int
	var diverged []string
	for _, c := range r.Connections {
		if strings.HasPrefix(c.Conn, "extra-") {
			extra++
			continue
		}
		recorded++
		switch {
		case c.State == StateWaiting || c.State == StateNotOpened:
			notOpened++
			continue
		case len(c.Divergences) > 0:
			d := c.Divergences[0]
			diverged = append(diverged, fmt.Sprintf("%s at %s (%s)", c.Conn, d.where(), d.Short()))
		case c.State == StateReplaying:
			inProgress++
		default:
			asRec++
		}
	}
	opened := recorded - notOpened
	if !r.Connected() {
		return fmt.Sprintf("no client connected: 0 of %s replayed", text.Plural(recorded, "recorded connection", "recorded connections"))
	}
	var b strings.Builder
	if opened == recorded {
		fmt.Fprintf(&b, "replayed %s: %d as recorded", text.Plural(opened, "connection", "connections"), asRec)
	} else {
		fmt.Fprintf(&b, "replayed %d of %s: %d as recorded", opened, text.Plural(recorded, "recorded connection", "recorded connections"), asRec)
	}
	if inProgress > 0 {
		fmt.Fprintf(&b, ", %d in progress", inProgress)
	}
	if len(diverged) > 0 {
		fmt.Fprintf(&b, ", %d diverged: %s", len(diverged), strings.Join(diverged, "; "))
	}
	if notOpened > 0 {
		fmt.Fprintf(&b, "; %d never opened", notOpened)
	}
	if extra > 0 {
		fmt.Fprintf(&b, "; %s", text.Plural(extra, "extra connection", "extra connections"))
	}
	if r.MintsRecorded > 0 || r.MintsRequested > 0 {
		if len(r.Mints) == 0 {
			fmt.Fprintf(&b, "; token requests: %d as recorded", r.MintsRequested)
		} else {
			fmt.Fprintf(&b, "; token requests diverged: %s", r.Mints[0].Short())
		}
	}
	return b.String()
}

// WriteText writes the summary, then every divergence with its evidence.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintln(&b, r.Summary)
	for _, c := range r.Connections {
		if len(c.Divergences) == 0 && c.Omitted == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s", c.Conn)
		if c.File != "" {
			fmt.Fprintf(&b, " (%s)", c.File)
		}
		if c.Socket > 0 {
			fmt.Fprintf(&b, ", socket %d", c.Socket)
		}
		if c.File != "" {
			fmt.Fprintf(&b, ", %d of %s", c.Done, text.Plural(c.Frames, "frame", "frames"))
		}
		fmt.Fprintln(&b, ":")
		for _, d := range c.Divergences {
			writeDivergence(&b, d)
		}
		if c.Omitted > 0 {
			fmt.Fprintf(&b, "  … and %s more not listed\n", text.Plural(c.Omitted, "divergence", "divergences"))
		}
	}
	if len(r.Mints) > 0 {
		fmt.Fprintln(&b, "token requests:")
		for _, d := range r.Mints {
			writeDivergence(&b, d)
		}
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "not replayed: %s\n", s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDivergence(b *strings.Builder, d Divergence) {
	fmt.Fprintf(b, "  %s", d.where())
	if d.Index > 0 || d.At > 0 {
		fmt.Fprintf(b, " (recorded at %.3fs)", d.At)
	}
	fmt.Fprintf(b, " [%s]", d.Kind)
	if d.Detail != "" {
		fmt.Fprintf(b, " %s", d.Detail)
	}
	fmt.Fprintf(b, "\n    want: %s\n    got:  %s\n", d.Want, d.Got)
}
