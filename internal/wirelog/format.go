package wirelog

import (
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/protocol"
)

// Record kinds.
const (
	KindRequest  = "request"
	KindResponse = "response"
	KindFrame    = "frame"
	KindClose    = "close"
	KindExchange = "exchange"
)

// Directions of a frame, and who closed.
const (
	FromClient = "client"
	FromServer = "server"
	// ByCut: the connection ended without a close frame (a reset, a crash, a
	// timeout), or the recording ended while it was open.
	ByCut = "cut"
)

// RecordingEnded is the error of the cut Set.Close records for a connection
// still open when the recording stopped: no fault of either side.
const RecordingEnded = "the recording ended while the connection was open"

// CloseNotRecorded is the error of the cut ImportHAR records for an upgraded
// socket: a browser's HAR keeps a socket's messages but not its close frame,
// code or reason, so how it ended is unknown — no fault of either side.
const CloseNotRecorded = "the recording (a HAR file) does not say how the connection ended"

// Credential is a value found in a credential position, redacted.
type Credential struct {
	// Where it was: WhereToken, WhereKeyHeader, WhereBodyToken, or another
	// "query:<key>" or "header:<name>" (QueryPosition, HeaderPosition).
	Where string `json:"where"`
	// Shown is the redacted value (a fingerprint such as sutkn_…ab12), or
	// the value itself when it is no secret (undefined, [object Object]).
	Shown string `json:"shown"`
	// ID is the same for the same value within one recording set and says
	// nothing about the value itself (a salted hash).
	ID string `json:"id"`
	// Shape is one of the Shape* constants.
	Shape string `json:"shape"`
}

// Credential positions: where a credential was found, as Credential.Where
// names it. The socket reads two of them (WhereToken and WhereKeyHeader);
// the others are client mistakes worth naming.
const (
	// WhereToken is the socket's single-use token: ?token=.
	WhereToken = queryPrefix + protocol.TokenParam
	// WhereTTSToken is ?single_use_token=, the TTS sockets' name for it.
	WhereTTSToken = queryPrefix + protocol.TTSTokenParam
	// WhereKeyHeader is the API key header, xi-api-key.
	WhereKeyHeader = headerPrefix + protocol.APIKeyHeader
	// WhereBodyToken is a token in a REST answer's JSON body (a mint, or an
	// app's backend handing one out).
	WhereBodyToken = "body:token"
)

const (
	queryPrefix  = "query:"
	headerPrefix = "header:"
)

// QueryPosition is the position of a credential in the query key k.
func QueryPosition(k string) string { return queryPrefix + k }

// HeaderPosition is the position of a credential in the header h (its name
// in lower case).
func HeaderPosition(h string) string { return headerPrefix + strings.ToLower(h) }

// QueryKey is the query key a credential was found in, if it was in the
// query.
func (c Credential) QueryKey() (string, bool) { return strings.CutPrefix(c.Where, queryPrefix) }

// HeaderName is the (lower-case) header a credential was found in, if it
// was in a header.
func (c Credential) HeaderName() (string, bool) { return strings.CutPrefix(c.Where, headerPrefix) }

// Shapes of a credential value.
const (
	ShapeToken       = "token"       // sutkn_…: a single-use token
	ShapeAPIKey      = "api_key"     // sk_…, a key the recorder was told of, or 32 hex digits
	ShapePlaceholder = "placeholder" // undefined, null, None, [object Object]: a client bug, not a secret
	ShapeEmpty       = "empty"
	ShapeOther       = "other"
)

// Pair is one query parameter or header, in the order received; repeated
// keys stay repeated.
type Pair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Record is one line. Fields not used by a kind are omitted.
type Record struct {
	Kind string `json:"kind"`
	// T is seconds since the request arrived (request: 0).
	T float64 `json:"t"`

	// request, exchange
	At          time.Time    `json:"at,omitzero"`
	Conn        string       `json:"conn,omitempty"`
	Remote      string       `json:"remote,omitempty"`
	Method      string       `json:"method,omitempty"`
	Path        string       `json:"path,omitempty"`
	Query       []Pair       `json:"query,omitempty"`
	Headers     []Pair       `json:"headers,omitempty"`
	Credentials []Credential `json:"credentials,omitempty"`

	// response, exchange. A response's Body is that of an answer that was
	// no upgrade (Conn.Refused), redacted, its first MaxRefusalBody bytes
	// (Clipped set when it was longer); recordings from before it was kept
	// have none.
	Status int    `json:"status,omitempty"`
	Body   string `json:"body,omitempty"`

	// frame: read its data with Payload, which knows the rule of Conn.Frame
	// (Binary with an Error is a text frame that is not UTF-8).
	Dir    string `json:"dir,omitempty"`
	Binary bool   `json:"binary,omitempty"`
	// Data is the frame's text, or base64 of its bytes, redacted; Len is
	// its size on the wire in bytes. Clipped: Data holds only the first
	// (at most MaxFrameData) bytes; on a response, Body holds only the
	// first MaxRefusalBody.
	Data    string `json:"data,omitempty"`
	Len     int    `json:"len,omitempty"`
	Clipped bool   `json:"clipped,omitempty"`

	// close
	By string `json:"by,omitempty"`
	// CutBy says which side vanished when By is ByCut and a recorder in
	// the middle (the proxy) could tell: FromClient or FromServer.
	CutBy  string `json:"cut_by,omitempty"`
	Code   int    `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error,omitempty"`
}

// MaxFrameData is the most of one frame a log keeps: a 4 MiB frame is the
// fake's read limit, and a hostile peer's 100 MB frame must not be copied.
const MaxFrameData = 4 << 20
