package clientcheck

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// view is one connection parsed once for every rule: its client frames as
// chunks, its server frames by type, and the audio format it declared.
type view struct {
	log  *wirelog.Log
	id   string
	when time.Time // the request's time

	format   protocol.AudioFormat
	formatOK bool // audio_format (or its default) is one the socket knows

	client []clientFrame
	server []serverFrame
	key    string // clientKey, computed once
	// problems are what is wrong with the path and query (queryProblems),
	// read once for CLIENT-3, -4, -17, -18 and their causes.
	problems []protocol.QueryProblem
}

// clientFrame is one frame the client sent.
type clientFrame struct {
	idx int // in log.Frames
	rec wirelog.Record
	// body is the frame as it was on the wire. body.Clipped: the log kept
	// only the start of the frame, so it cannot be judged (a frame over
	// wirelog.MaxFrameData).
	body wirelog.Payload
	// damaged says why the record does not decode: the recording's fault.
	damaged string
	// isJSON: a text frame holding a JSON object.
	isJSON bool
	msg    gjson.Result
	// chunk: an input_audio_chunk whose audio_base_64 is a string.
	chunk  bool
	commit bool
	// audio is the decoded audio in bytes, whole samples only (as the server
	// counts it); -1 when audio_base_64 does not decode.
	audio  int
	b64err string // why audio_base_64 does not decode
	odd    bool   // PCM16 with an odd byte count
}

// serverFrame is one frame the server sent.
type serverFrame struct {
	idx  int
	rec  wirelog.Record
	typ  string // message_type
	text string // error, for error frames
}

func newView(l *wirelog.Log) *view {
	v := &view{log: l, id: l.ID, when: l.Request.At, problems: queryProblems(l)}
	v.format, v.formatOK = protocol.AudioFormatOf(l.Query(protocol.ParamAudioFormat))
	for i, f := range l.Frames {
		switch f.Dir {
		case wirelog.FromClient:
			v.client = append(v.client, v.parseClient(i, f))
		case wirelog.FromServer:
			sf := serverFrame{idx: i, rec: f}
			if p, err := f.Payload(); err == nil && p.Kind == wirelog.FrameText && gjson.ValidBytes(p.Data) {
				m := gjson.ParseBytes(p.Data)
				sf.typ = m.Get(protocol.MessageTypeField).String()
				sf.text = m.Get("error").String()
			}
			v.server = append(v.server, sf)
		}
	}
	return v
}

func (v *view) parseClient(i int, f wirelog.Record) clientFrame {
	body, err := f.Payload()
	c := clientFrame{idx: i, rec: f, body: body, audio: -1}
	if err != nil {
		c.damaged = err.Error()
		return c
	}
	if body.Kind != wirelog.FrameText || body.Clipped || !gjson.ValidBytes(body.Data) {
		return c
	}
	m := gjson.ParseBytes(body.Data)
	if !m.IsObject() {
		return c
	}
	c.isJSON, c.msg = true, m
	b64 := m.Get("audio_base_64")
	if m.Get(protocol.MessageTypeField).String() != protocol.InputAudioChunk || b64.Type != gjson.String {
		return c
	}
	c.chunk = true
	c.commit = m.Get("commit").Type == gjson.True
	audio, why := decodeAudio(b64.Str)
	if why != "" {
		c.b64err = why
		return c
	}
	c.audio = audio
	if v.formatOK && !v.format.ULaw && audio%2 == 1 {
		c.odd = true
		c.audio-- // the server drops the odd byte
	}
	return c
}

// decodeAudio decodes standard base64 and returns the byte count, or why it
// is not standard base64, naming the usual culprit.
func decodeAudio(s string) (int, string) {
	if strings.ContainsAny(s, "\r\n") { // Go's decoder skips them; the alphabet has none
		return 0, "base64 with line breaks (Python's base64.encodebytes or a MIME encoder); use base64.b64encode"
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return len(b), ""
	}
	switch {
	case strings.HasPrefix(s, "data:"):
		return 0, "a data: URL, not bare base64 (strip everything up to the comma)"
	case strings.ContainsAny(s, "-_"):
		return 0, "URL-safe base64 (- and _); use the standard alphabet (+ and /)"
	case len(s)%4 != 0:
		if _, err := base64.RawStdEncoding.DecodeString(s); err == nil {
			return 0, "base64 without its = padding"
		}
	}
	return 0, "not base64 (" + err.Error() + ")"
}

// chunks are the client's input_audio_chunk frames.
func (v *view) chunks() []clientFrame {
	var out []clientFrame
	for _, c := range v.client {
		if c.chunk {
			out = append(out, c)
		}
	}
	return out
}

// started reports whether the server opened a session.
func (v *view) started() bool {
	for _, s := range v.server {
		if s.typ == protocol.SessionStarted {
			return true
		}
	}
	return false
}

// errorFrame is the first server error other than input_error (the one that
// ends a session), or nil.
func (v *view) errorFrame() *serverFrame {
	for i, s := range v.server {
		if protocol.IsError(s.typ) && s.typ != protocol.ErrInput {
			return &v.server[i]
		}
	}
	return nil
}

// first is the server's first frame of type t, or nil.
func (v *view) first(t string) *serverFrame {
	for i, s := range v.server {
		if s.typ == t {
			return &v.server[i]
		}
	}
	return nil
}

// refusedAuth: auth_error, or an HTTP 401/403 answer to the upgrade.
func (v *view) refusedAuth() bool {
	if r := v.log.Response; r != nil && (r.Status == 401 || r.Status == 403) {
		return true
	}
	return v.first(protocol.ErrAuth) != nil
}

// refusedOtherwise says how the server refused v before a session other
// than by refusing its credential, and the kind of refusal: an error frame
// before any session_started (invalid_request, quota_exceeded, …), or an
// answer to the upgrade that was no 101 (a 404 on a wrong path, a 429).
// Empty when it did not.
func (v *view) refusedOtherwise() (how, kind string) {
	if r := v.log.Response; r != nil && r.Status != 0 && r.Status != 101 {
		return fmt.Sprintf("it answered the upgrade with HTTP %d", r.Status), fmt.Sprintf("HTTP %d", r.Status)
	}
	if v.started() {
		return "", ""
	}
	if e := v.errorFrame(); e != nil {
		return fmt.Sprintf("%s %q (%s)", e.typ, e.text, where(e.rec, e.idx)), e.typ
	}
	return "", ""
}

// closedByServer: the server ended the connection — its close frame, an
// answer that was no upgrade, or an error after which it closes.
func (v *view) closedByServer() bool {
	l := v.log
	if l.Response != nil && l.Response.Status != 101 {
		return true
	}
	return (l.Close != nil && l.Close.By == wirelog.FromServer) || v.errorFrame() != nil
}

// end is when the connection ended: its close, or its last record.
func (v *view) end() time.Time {
	l := v.log
	if l.Close != nil {
		return l.At(*l.Close)
	}
	if n := len(l.Frames); n > 0 {
		return l.At(l.Frames[n-1])
	}
	if l.Response != nil {
		return l.At(*l.Response)
	}
	return v.when
}

// who is the client as its User-Agent names it.
func (v *view) who() string {
	for _, h := range v.log.Request.Headers {
		if strings.EqualFold(h.Name, "User-Agent") && h.Value != "" {
			return h.Value
		}
	}
	return "unknown client"
}

// clientKey groups the connections of one client: its host and User-Agent.
func (v *view) clientKey() string {
	if v.key != "" {
		return v.key
	}
	host := v.log.Request.Remote
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	v.key = host + " " + v.who()
	return v.key
}

// authPath names the credentials the request carried.
func (v *view) authPath() string {
	var parts []string
	seen := map[string]bool{}
	creds := v.log.Request.Credentials
	queries := 0
	for _, c := range creds {
		part, query := c.QueryKey()
		switch {
		case query:
			queries++
		case c.Where == wirelog.WhereKeyHeader:
			part = "header"
		default:
			h, _ := c.HeaderName()
			part = h + "-header"
		}
		if !seen[part] {
			seen[part] = true
			parts = append(parts, part)
		}
	}
	switch {
	case len(parts) == 0:
		return "none"
	case len(parts) == 1 && queries > 0:
		return parts[0] + "-query"
	}
	return strings.Join(parts, "+")
}

// closeText says how the connection ended.
func (v *view) closeText() string {
	l := v.log
	if l.Response != nil && l.Response.Status != 101 {
		return fmt.Sprintf("server refused the upgrade (HTTP %d)", l.Response.Status)
	}
	c := l.Close
	switch {
	case c == nil && l.Torn:
		return "unknown (the log is torn)"
	case c == nil:
		return "unknown (the log ends without a close)"
	case c.By == wirelog.ByCut && c.Error == wirelog.CloseNotRecorded:
		return "close not recorded"
	case c.By == wirelog.ByCut && c.CutBy != "":
		return "cut by the " + c.CutBy
	case c.By == wirelog.ByCut:
		return "cut"
	}
	s := c.By
	if c.Code != 0 {
		s += " " + strconv.Itoa(c.Code)
	}
	if c.Reason != "" {
		s += " " + strconv.Quote(c.Reason)
	}
	return s
}

// requestLine is the upgrade request as one line, values as logged
// (redacted).
func requestLine(l *wirelog.Log) string {
	var q []string
	for _, p := range l.Request.Query {
		q = append(q, p.Name+"="+p.Value)
	}
	s := l.Request.Method + " " + l.Request.Path
	if s == " " {
		s = "GET ?"
	}
	if len(q) > 0 {
		s += "?" + strings.Join(q, "&")
	}
	return s
}

// where names a frame: #12 at 1.20 s.
func where(f wirelog.Record, idx int) string {
	return fmt.Sprintf("#%d at %.2f s", idx, f.T)
}

// frameLine shows one frame for evidence: its index, time, direction and
// data, with long base64 shortened.
func frameLine(f wirelog.Record, idx int) string {
	p, err := f.Payload()
	var data string
	switch {
	case err != nil:
		data = "<" + err.Error() + ">"
	case p.Kind == wirelog.FrameBinary:
		data = fmt.Sprintf("<binary frame, %d bytes>", p.Len)
	case p.Kind == wirelog.FrameNotUTF8: // quoted: the bad bytes show as \xff
		data = fmt.Sprintf("<text frame that is not UTF-8, %d bytes> %q", p.Len, p.Data[:min(len(p.Data), 200)])
	default:
		data = string(p.Data)
		if gjson.Valid(data) {
			data = shortenAudio(data)
		}
	}
	// 1 KiB holds more than 201 characters: Clip cuts where it would have,
	// without turning a 4 MiB frame into runes.
	data = text.Clip(data[:min(len(data), 1<<10)], 201)
	if p.Clipped {
		data += fmt.Sprintf(" (clipped: %d bytes on the wire)", p.Len)
	}
	return fmt.Sprintf("#%d %.3fs %s: %s", idx, f.T, f.Dir, data)
}

// shortenAudio replaces a long audio_base_64 value by its first characters
// and its length.
func shortenAudio(data string) string {
	r := gjson.Get(data, "audio_base_64")
	if r.Type != gjson.String || len(r.Str) <= 24 || r.Index <= 0 || r.Index+len(r.Raw) > len(data) {
		return data
	}
	short := fmt.Sprintf("%q", r.Str[:12]+fmt.Sprintf("…(%d chars)", len(r.Str)))
	return data[:r.Index] + short + data[r.Index+len(r.Raw):]
}

// frameLines shows up to max frames, and how many more there were. Only
// the frames shown are formatted (a frame's line decodes its payload).
func frameLines(l *wirelog.Log, idxs []int, max int) string {
	lines := make([]string, len(idxs))
	for i, idx := range idxs[:min(max, len(idxs))] {
		lines[i] = frameLine(l.Frames[idx], idx)
	}
	return text.FewLines(lines, max)
}

// queryValue returns the last value of a query key, and whether it is there.
func queryValue(l *wirelog.Log, key string) (string, bool) {
	vs := l.Query(key)
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// queryWithoutCredentials is the path and query without credentials, in a
// canonical form: what a retry of a refused request repeats.
func queryWithoutCredentials(l *wirelog.Log) string {
	vals := url.Values{}
	for _, p := range l.Request.Query {
		if wirelog.IsCredentialQueryKey(p.Name) {
			continue
		}
		vals.Add(p.Name, p.Value)
	}
	return l.Request.Path + "?" + vals.Encode()
}
