package probes

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/protocol"
)

// Timeline is everything one socket did, in order, with times from the start
// of the dial. It holds raw values (URLs with tokens, frames); whoever prints
// it redacts it.
type Timeline struct {
	URL            string      `json:"url"`
	RequestHeaders http.Header `json:"request_headers,omitempty"`
	Upgrade        Upgrade     `json:"upgrade"`
	Frames         []Frame     `json:"frames"`
	Close          *Close      `json:"close,omitempty"`
	// Err is a transport failure after the upgrade (not a close).
	Err string `json:"error,omitempty"`

	// red redacts raw text before it is clipped for display, so a clip never
	// cuts a secret in two (which a later redaction would miss).
	red *secrets.Redactor
}

// shown redacts s and clips it to n bytes.
func (t Timeline) shown(s string, n int) string {
	return clip(t.red.Redact(s), n)
}

// Upgrade is the HTTP side of the handshake.
type Upgrade struct {
	Status int           `json:"status"` // 101 on success; 0 when no HTTP answer came
	Header http.Header   `json:"header,omitempty"`
	Body   string        `json:"body,omitempty"` // a refused upgrade's body, up to 1 KiB
	Err    string        `json:"error,omitempty"`
	At     time.Duration `json:"at_ns"`
	// Unreachable is true when no TCP connection could be made.
	Unreachable bool `json:"unreachable,omitempty"`
}

// Frame is one WebSocket message, either way.
type Frame struct {
	At     time.Duration `json:"at_ns"`
	Out    bool          `json:"out"` // sent by us
	Binary bool          `json:"binary,omitempty"`
	Raw    string        `json:"raw"`
	// Type is message_type when the frame is a JSON object that has one.
	Type string `json:"message_type,omitempty"`
	// ParseErr says why the frame is not a protocol message, if it is not.
	ParseErr string `json:"parse_error,omitempty"`

	// audioChars is 1 + the length of an input_audio_chunk's audio_base_64,
	// read once by ParseFrame (0: not read). The graders read it of every
	// chunk of a run, several times, and scanning the base64 each time was a
	// seventh of a run's CPU.
	audioChars int
	// commit is an input_audio_chunk's commit field when it was read
	// (commitOf), 0 when not: the MULTI rules read it of every chunk.
	commit int8
}

// commitOf is a known commit field as Frame.commit holds it.
func commitOf(b bool) int8 {
	if b {
		return 1
	}
	return -1
}

// Commit is an input_audio_chunk's commit field (false when absent or not
// a boolean true).
func (f Frame) Commit() bool {
	if f.commit != 0 {
		return f.commit > 0
	}
	return f.Get("commit").Bool()
}

// Close is how the socket ended.
type Close struct {
	At     time.Duration `json:"at_ns"`
	Code   int           `json:"code"` // -1 when it ended without a close frame
	Reason string        `json:"reason"`
	ByUs   bool          `json:"by_us"`
	// Err is the read error when there was no close frame.
	Err string `json:"error,omitempty"`
}

// ParseFrame classifies raw bytes received at at.
func ParseFrame(at time.Duration, binary bool, raw []byte) Frame {
	f := Frame{At: at, Binary: binary, Raw: string(raw)}
	switch {
	case binary:
		f.ParseErr = fmt.Sprintf("binary frame of %d bytes; the protocol sends JSON text only", len(raw))
	case !utf8.Valid(raw):
		f.ParseErr = "a text frame that is not valid UTF-8 (RFC 6455 requires UTF-8 text)"
	case !gjson.ValidBytes(raw):
		f.ParseErr = "not JSON"
	case !gjson.ParseBytes(raw).IsObject():
		f.ParseErr = "JSON but not an object"
	default:
		mt := gjson.GetBytes(raw, "message_type")
		switch {
		case mt.Type != gjson.String:
			f.ParseErr = "JSON object without a string message_type"
		case mt.Str == "":
			f.ParseErr = "JSON object with an empty message_type"
		default:
			f.Type = mt.Str
		}
		if f.Type == protocol.InputAudioChunk {
			r := gjson.GetManyBytes(raw, "audio_base_64", "commit")
			f.audioChars, f.commit = 1+len(r[0].String()), commitOf(r[1].Bool())
		}
	}
	return f
}

// Get reads a field of a JSON frame (gjson path syntax).
func (f Frame) Get(path string) gjson.Result { return gjson.Get(f.Raw, path) }

// Received is the frames the server sent.
func (t Timeline) Received() []Frame {
	var out []Frame
	for _, f := range t.Frames {
		if !f.Out {
			out = append(out, f)
		}
	}
	return out
}

// First is the first frame the server sent, if any.
func (t Timeline) First() (Frame, bool) {
	r := t.Received()
	if len(r) == 0 {
		return Frame{}, false
	}
	return r[0], true
}

// Find is the first received frame of message type mt.
func (t Timeline) Find(mt string) (Frame, bool) {
	for _, f := range t.Received() {
		if f.Type == mt {
			return f, true
		}
	}
	return Frame{}, false
}

// Summary is a few lines a person reads: upgrade, frames (clipped), close.
func (t Timeline) Summary() string {
	var b strings.Builder
	switch {
	case t.Upgrade.Unreachable:
		fmt.Fprintf(&b, "dial %s: unreachable: %s\n", t.URL, t.Upgrade.Err)
	case t.Upgrade.Status == 0:
		fmt.Fprintf(&b, "dial %s: no HTTP answer: %s\n", t.URL, t.Upgrade.Err)
	case t.Upgrade.Status != http.StatusSwitchingProtocols:
		fmt.Fprintf(&b, "dial %s: HTTP %d at the upgrade %s\n", t.URL, t.Upgrade.Status, t.shown(t.Upgrade.Body, 300))
	default:
		fmt.Fprintf(&b, "dial %s: 101 after %s\n", t.URL, t.Upgrade.At.Round(time.Microsecond))
	}
	for _, f := range t.Frames {
		dir := "<-"
		if f.Out {
			dir = "->"
		}
		body := t.shown(f.Raw, 300)
		if f.Binary {
			body = fmt.Sprintf("<binary %d bytes>", len(f.Raw))
		}
		fmt.Fprintf(&b, "  %8s %s %s\n", f.At.Round(time.Microsecond), dir, body)
	}
	switch {
	case t.Close == nil && t.Upgrade.Status == http.StatusSwitchingProtocols:
		b.WriteString("  still open when the probe stopped waiting\n")
	case t.Close != nil && t.Close.Code >= 0:
		who := "server"
		if t.Close.ByUs {
			who = "us"
		}
		fmt.Fprintf(&b, "  %8s closed by %s: code %d reason %q\n", t.Close.At.Round(time.Microsecond), who, t.Close.Code, t.Close.Reason)
	case t.Close != nil:
		fmt.Fprintf(&b, "  %8s ended without a close frame: %s\n", t.Close.At.Round(time.Microsecond), t.Close.Err)
	}
	if t.Err != "" {
		fmt.Fprintf(&b, "  error: %s\n", t.Err)
	}
	return b.String()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + fmt.Sprintf("… (%d bytes)", len(s))
}

// AudioSent is the seconds of audio this socket sent, from the decoded size
// of every input_audio_chunk and the audio_format of its URL.
func (t Timeline) AudioSent() float64 {
	f, ok := t.AudioFormat()
	if !ok {
		return 0
	}
	total := 0.0
	for _, fr := range t.Frames {
		if fr.Out {
			total += fr.AudioSecs(f)
		}
	}
	return total
}

// AudioFormat is the audio_format the socket's URL asks for (the last one
// given, as the fake reads it; pcm_16000 when none is); ok is false when it
// names no format.
func (t Timeline) AudioFormat() (protocol.AudioFormat, bool) {
	var given []string
	if u, err := url.Parse(t.URL); err == nil {
		given = u.Query()[protocol.ParamAudioFormat]
	}
	return protocol.AudioFormatOf(given)
}

// AudioSecs is the audio an input_audio_chunk frame carries, in format; 0
// for any other frame.
func (f Frame) AudioSecs(format protocol.AudioFormat) float64 {
	if f.Type != protocol.InputAudioChunk {
		return 0
	}
	n := f.audioChars - 1
	if f.audioChars == 0 {
		n = len(f.Get("audio_base_64").String())
	}
	return format.Seconds(base64.StdEncoding.DecodedLen(n))
}
