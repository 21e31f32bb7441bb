package wirelog

// Reading a browser's HAR as wire logs.
//
// What Chromium writes, as checked against its source (ChromeDevTools/
// devtools-frontend and chromium/chromium) and its documentation:
//
//   - Each WebSocket is one entry with "_resourceType": "websocket" (the name
//     of Common.ResourceType.resourceTypes.WebSocket) and, only on such entries,
//     "_webSocketMessages": [{"type", "time", "opcode", "data"}]
//     (front_end/models/har/Log.ts, Entry.build: one item per
//     request.frames() element, {type: message.type, time: message.time,
//     opcode: message.opCode, data: message.text}). The field came with
//     Chrome 76: "What's New In DevTools (Chrome 76)",
//     https://developers.google.com/web/updates/2019/05/devtools#websocket,
//     whose example has "time": 1558730482.5071473.
//   - "type" is WebSocketFrameType: "send", "receive" or "error"
//     (front_end/core/sdk/NetworkRequest.ts). An "error" item is Chromium's
//     own report of a broken socket (addProtocolFrameError: opcode -1, data
//     the error text), not a message on the wire.
//   - "time" is seconds since the Unix epoch, fractional: frames are stored
//     with pseudoWallTime(timestamp) = wallIssueTime - issueTime + monotonic
//     time, all in seconds (NetworkRequest.ts), the same clock from which
//     the entry's startedDateTime is made (Log.pseudoWallTime(request,
//     issueTime), in Log.ts). A message's offset from the request is
//     therefore time - startedDateTime.
//   - "opcode" is the CDP WebSocketFrame opcode. Blink reports only whole
//     messages to DevTools, as kOpCodeText = 1 or kOpCodeBinary = 2
//     (third_party/blink/renderer/modules/websockets/websocket_channel_impl.cc),
//     and "data" is payloadData: "If the opcode is 1, this is a text message
//     and payloadData is a UTF-8 string. If the opcode isn't 1, then
//     payloadData is a base64 encoded string representing binary data" (CDP
//     Network.WebSocketFrame). A Blob sent by the page is reported with
//     empty data ("FIXME: We can't access the data here", same file).
//   - A HAR records no close: Blink's OnDropChannel(was_clean, code, reason)
//     reports only probe::DidCloseWebSocket(context, identifier), which CDP
//     turns into Network.webSocketClosed with a timestamp and nothing else,
//     and Log.ts exports no close item. So an upgraded socket is logged as
//     cut with CloseNotRecorded.
//   - "serverIPAddress" is the remote address without its port; newer Log.ts
//     puts the port in "connection" (older versions put a connection id there).
//   - Response bodies are content.text, with content.encoding "base64" when
//     they are binary (front_end/models/har/Writer.ts), and entries are
//     written sorted by issue time.
//   - Newer DevTools export a sanitized HAR by default: Log.build with
//     sanitize drops request cookies and the Authorization and Cookie request
//     headers, and response cookies and Set-Cookie (Log.ts, BuildOptions;
//     devtools-frontend commit acd96a60464188fbf7c4476ec883ec65bba3dfdf,
//     "[network] Export sanitized HARs by default", which adds the setting
//     "Allow to generate HAR (with sensitive data)" and the menu item "Export
//     HAR (with sensitive data)"). The sanitized export keeps the URL (so a
//     token in the query) and the xi-api-key header.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/text"
)

// HARSummary says what ImportHAR read and wrote.
type HARSummary struct {
	// Entries is the number of entries in the HAR.
	Entries int
	// Sockets is the number of connection logs written: one per Scribe
	// socket, upgraded or not.
	Sockets int
	// Refused counts the Sockets the server did not upgrade (an HTTP answer
	// other than 101, or none).
	Refused int
	// Frames is the number of messages written into the Sockets.
	Frames int
	// Exchanges is the number of REST exchanges written (tokens minted).
	Exchanges int
	// Skipped is the number of entries not imported: pages, scripts,
	// images, analytics and WebSockets that are not Scribe's. They carry
	// cookies and other people's data and are not written anywhere.
	Skipped int
	// Notes are minor problems, each naming its entry (log.entries index,
	// from 0); the entries were imported as far as possible. Redacted.
	Notes []string
}

// ErrNoScribeSocket is the error (wrapped) ImportHAR returns for a HAR that
// holds no Scribe socket.
var ErrNoScribeSocket = errors.New("the HAR holds no Scribe socket")

// harRefusedUpgrade is the close error of a socket the server did not
// upgrade; the same words as the fake's recorder (fakeserver/record.go).
const harRefusedUpgrade = "the server answered the upgrade request without a WebSocket"

// harNoAnswer is the close error of a socket the HAR has no HTTP answer for.
const harNoAnswer = "the recording (a HAR file) holds no answer to the upgrade request"

// harHowTo tells how to export a HAR that holds the socket.
const harHowTo = "open DevTools (F12) on the app's tab, select the Network tab BEFORE the app connects (DevTools records only what happens while it is open; " +
	"tick Preserve log if the page reloads), start a transcription, then export with the download button (Export HAR). " +
	"The WebSocket's messages are in the export. Newer Chromium versions export a sanitized HAR by default, without Cookie, Set-Cookie and Authorization headers; " +
	"to keep them, enable DevTools Settings > Preferences > Network > \"Allow to generate HAR (with sensitive data)\" and choose \"Export HAR (with sensitive data)\". " +
	"scribecheck redacts every credential it reads"

// realtimePath is the path of the Scribe socket.
const realtimePath = "/speech-to-text/realtime"

// ImportHAR reads a HAR (HTTP Archive 1.2, as Chromium writes it) and writes
// the Scribe traffic in it into set as wire logs: each Scribe socket (a
// WebSocket, or any request, to …/v1/speech-to-text/realtime, or a WebSocket
// whose messages carry message_type) as a connection log with its messages,
// in the order of the entries' startedDateTime, and each token mint (a POST
// to …/single-use-token/…, or any answer whose JSON body has a string
// "token", such as an app's own /api/scribe-token) as an exchange. Everything
// else is skipped and counted.
//
// Every credential in the imported entries (the token query, the
// xi-api-key, Authorization and Cookie headers, a token in a body) is taught
// to the set before anything is written, so a token is redacted even where
// it appears before the entry that names it as one.
//
// The HAR is read entry by entry, twice: once to check it, learn every
// credential and find the Scribe entries, and again to read only those, in
// time order. Memory is bounded by the largest entry (at most maxHAREntry),
// not the file. A reader that cannot seek (a pipe) is read into memory
// first, up to maxPipedHAR.
//
// An upgraded socket ends with a cut whose error is CloseNotRecorded: a HAR
// does not record closes. Fatal problems (not JSON, not a HAR, an entry
// ImportHAR cannot read) are errors naming the entry by its index in
// log.entries, from 0, and write nothing; minor ones are HARSummary.Notes. A
// HAR without a Scribe socket is an error wrapping ErrNoScribeSocket that says
// how to export one, and writes nothing either.
//
// ImportHAR is single-threaded and must not run while anything else uses
// set: it replaces the set's clock (SetClock) with the HAR's times while it
// writes, and puts the previous clock back when it returns.
func ImportHAR(r io.Reader, set *Set) (HARSummary, error) {
	var sum HARSummary
	src, base, err := rereadable(r)
	if err != nil {
		return sum, err
	}

	// Pass 1: every entry is checked and its credentials learnt; of the
	// Scribe ones only where they are is kept.
	var refs []harRef
	sockets, otherSockets := 0, 0
	n, err := scanHAR(src, func(i int, e *harEntry, off, end int64) error {
		p, err := parseHAREntry(i, e)
		if err != nil {
			return err
		}
		if p == nil { // data:, blob:, chrome-extension: …
			sum.Skipped++
			return nil
		}
		it, err := p.classify(&sum)
		if err != nil {
			return err
		}
		if it == nil {
			if p.isWebSocket() {
				otherSockets++
			}
			sum.Skipped++
			set.learnSkipped(p)
			return nil
		}
		if it.socket {
			sockets++
		}
		set.learnItem(it)
		refs = append(refs, harRef{i: i, start: it.start, off: off, end: end})
		return nil
	})
	sum.Entries = n
	if err != nil {
		return sum, err
	}
	if sockets == 0 {
		what := text.Plural(n, "entry", "entries")
		switch {
		case otherSockets == 1:
			what += ", 1 WebSocket that is not Scribe's"
		case otherSockets > 1:
			what += fmt.Sprintf(", %d WebSockets that are not Scribe's", otherSockets)
		}
		return sum, fmt.Errorf("%w (%s; none is a WebSocket to wss://api.elevenlabs.io/v1/speech-to-text/realtime or carries Scribe messages): %s",
			ErrNoScribeSocket, what, harHowTo)
	}

	// Pass 2: the Scribe entries again, one at a time, in time order.
	slices.SortStableFunc(refs, func(a, b harRef) int { return a.start.Compare(b.start) })
	old := set.now
	defer func() { set.now = old }()
	var now time.Time
	set.SetClock(func() time.Time { return now })
	for _, ref := range refs {
		it, err := ref.reread(src, base)
		if err != nil {
			return sum, err
		}
		now = it.start
		if !it.socket {
			set.Exchange(it.req, it.status, it.body)
			sum.Exchanges++
			continue
		}
		c := set.Open(it.req)
		sum.Sockets++
		switch {
		case it.status == http.StatusSwitchingProtocols:
			now = it.statusAt
			c.Status(it.status)
		case it.status != 0: // a refusal: with its body, when the HAR kept one
			now = it.statusAt
			c.Refused(it.status, it.body)
		}
		for _, f := range it.frames {
			now = f.at
			c.Frame(f.fromClient, f.binary, f.data)
			sum.Frames++
		}
		now = it.end()
		switch {
		case it.status == http.StatusSwitchingProtocols:
			c.Closed(ByCut, 0, "", CloseNotRecorded)
		case it.status == 0:
			sum.Refused++
			errText := harNoAnswer
			if it.failure != "" {
				errText += " (the browser says: " + it.failure + ")"
			}
			c.Closed(ByCut, 0, "", errText)
		default:
			sum.Refused++
			c.Closed(FromServer, 0, "", harRefusedUpgrade)
		}
	}
	for i, n := range sum.Notes {
		sum.Notes[i] = set.secrets.Redact(n)
	}
	return sum, nil
}

// maxHAREntry is the largest entry ImportHAR reads: an entry is decoded
// whole, in about four times its size of memory. A variable for the tests.
var maxHAREntry int64 = 256 << 20

// maxPipedHAR is the largest HAR ImportHAR reads from a reader that cannot
// seek: it is held in memory to be read twice. A variable for the tests.
var maxPipedHAR int64 = 256 << 20

// harSlack is how much whitespace a value may have before it, beyond
// maxHAREntry.
const harSlack = 64 << 10

// rereadable is r as ImportHAR can read it twice, and where r was: r itself
// when it seeks (a file), else its bytes, read into memory (a pipe). Nothing
// is written to disk: the HAR holds credentials.
func rereadable(r io.Reader) (io.ReadSeeker, int64, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if base, err := rs.Seek(0, io.SeekCurrent); err == nil {
			return rs, base, nil
		}
	}
	b, err := io.ReadAll(io.LimitReader(r, maxPipedHAR+1))
	switch {
	case err != nil:
		return nil, 0, fmt.Errorf("HAR: cannot read it: %w", err)
	case int64(len(b)) > maxPipedHAR:
		return nil, 0, fmt.Errorf("HAR: larger than %d MiB from a pipe, which is read into memory: give the .har file's path instead; a file is read one entry at a time, whatever its size", maxPipedHAR>>20)
	}
	return bytes.NewReader(b), 0, nil
}

// harRef is where pass 1 found an entry to import.
type harRef struct {
	i        int
	start    time.Time
	off, end int64 // its bytes from the first byte ImportHAR read: whitespace, maybe a comma, then the entry
}

// reread reads the entry again from src, where r began at base, as pass 1
// read it.
func (ref harRef) reread(src io.ReadSeeker, base int64) (*harItem, error) {
	changed := func(err error) error {
		return fmt.Errorf("HAR entry %d: the file changed while it was read (%v): read it again, once nothing writes to it", ref.i, err)
	}
	if _, err := src.Seek(base+ref.off, io.SeekStart); err != nil {
		return nil, fmt.Errorf("HAR: cannot read entry %d again: %w", ref.i, err)
	}
	raw := make([]byte, ref.end-ref.off)
	if _, err := io.ReadFull(src, raw); err != nil {
		return nil, changed(err)
	}
	var e harEntry
	if err := json.Unmarshal(bytes.TrimLeft(raw, " \t\r\n,"), &e); err != nil {
		return nil, changed(err)
	}
	p, err := parseHAREntry(ref.i, &e)
	if err != nil {
		return nil, changed(err)
	}
	var scratch HARSummary // pass 1 took the notes
	var it *harItem
	if p != nil {
		it, err = p.classify(&scratch)
	}
	switch {
	case err != nil:
		return nil, changed(err)
	case it == nil:
		return nil, changed(errors.New("it is no longer a Scribe entry"))
	}
	return it, nil
}

// errHAREntryTooLarge ends the reading of a value over maxHAREntry.
var errHAREntryTooLarge = errors.New("entry too large")

// boundedReader reads r up to limit, a position in r; past it, it fails
// with errHAREntryTooLarge. The decoder asks for more only while the value
// it reads is unfinished, so the limit bounds one value, not the file.
type boundedReader struct {
	r        io.Reader
	n, limit int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.n >= b.limit {
		return 0, errHAREntryTooLarge
	}
	if rest := b.limit - b.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// harScan walks a HAR with a json.Decoder, token by token, down to its
// entries, each decoded on its own.
type harScan struct {
	dec     *json.Decoder
	br      *boundedReader
	i       int  // the entry being read; -1 outside log.entries
	entries bool // log.entries was read
}

// scanHAR calls visit with each entry of the HAR in r, in file order, with
// its bytes' place in r, and returns how many there were. Nothing but the
// entry visited is held. Every error says what to do.
func scanHAR(r io.Reader, visit func(i int, e *harEntry, off, end int64) error) (int, error) {
	s := &harScan{br: &boundedReader{r: r}, i: -1}
	s.dec = json.NewDecoder(s.br)
	t, err := s.token()
	if err != nil {
		return 0, s.fail(err)
	}
	switch t {
	case nil:
		return 0, errHARNoEntries
	case json.Delim('{'):
	default:
		return 0, notHAR("the file is a JSON %s, not an object", jsonKind(t))
	}
	n, seen := 0, false
	err = s.members("log", func() (err error) {
		if seen {
			return notHAR("log appears twice")
		}
		seen = true
		n, err = s.log(visit)
		return err
	})
	if err != nil {
		return n, err
	}
	if !s.entries {
		return n, errHARNoEntries
	}
	return n, nil
}

// log reads the log object: its entries, and past the rest.
func (s *harScan) log(visit func(i int, e *harEntry, off, end int64) error) (int, error) {
	t, err := s.token()
	switch {
	case err != nil:
		return 0, s.fail(err)
	case t == nil:
		return 0, nil
	case t != json.Delim('{'):
		return 0, notHAR("log is a JSON %s, not an object", jsonKind(t))
	}
	n := 0
	err = s.members("entries", func() error {
		if s.entries {
			return notHAR("log.entries appears twice")
		}
		t, err := s.token()
		switch {
		case err != nil:
			return s.fail(err)
		case t == nil:
			return nil
		case t != json.Delim('['):
			return notHAR("log.entries is a JSON %s, not an array", jsonKind(t))
		}
		for s.i = 0; s.more(); s.i++ {
			off := s.dec.InputOffset()
			var e harEntry
			err := s.dec.Decode(&e)
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return fmt.Errorf("HAR entry %d: not a HAR entry (%v): the file is damaged or was not written by a browser; export it again", s.i, err)
			}
			if err != nil {
				return s.fail(err)
			}
			n++
			if err := visit(s.i, &e, off, s.dec.InputOffset()); err != nil {
				return err
			}
		}
		if _, err := s.token(); err != nil { // the closing ]
			return s.fail(err)
		}
		s.i, s.entries = -1, true
		return nil
	})
	return n, err
}

// members reads the rest of the object the scan is in, up to and with its
// closing }, skipping every member but those named key, for which it calls
// at with the decoder before the member's value (at refuses a repeat).
func (s *harScan) members(key string, at func() error) error {
	for s.more() {
		k, err := s.token()
		if err != nil {
			return s.fail(err)
		}
		if k != key {
			if err := s.skip(); err != nil {
				return s.fail(err)
			}
			continue
		}
		if err := at(); err != nil {
			return err
		}
	}
	if _, err := s.token(); err != nil { // the closing }
		return s.fail(err)
	}
	return nil
}

// arm lets the decoder read one value (and the whitespace before it) ahead
// of where it is.
func (s *harScan) arm() { s.br.limit = s.dec.InputOffset() + maxHAREntry + harSlack }

func (s *harScan) token() (json.Token, error) {
	s.arm()
	return s.dec.Token()
}

func (s *harScan) more() bool {
	s.arm()
	return s.dec.More()
}

// skip reads past one value, token by token: no part of the HAR but an
// entry is held whole.
func (s *harScan) skip() error {
	depth := 0
	for {
		t, err := s.token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// fail says what a decoding error means.
func (s *harScan) fail(err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, errHAREntryTooLarge) && s.i >= 0:
		return fmt.Errorf("HAR entry %d: larger than %d MiB: an entry is read whole, in memory; export a HAR with less in it: "+
			"clear the Network tab just before the app connects and record a shorter session (a socket's messages are all in its one entry)", s.i, maxHAREntry>>20)
	case errors.Is(err, errHAREntryTooLarge):
		return fmt.Errorf("HAR: a value outside log.entries is larger than %d MiB: this is not a HAR a browser writes; give the .har file the DevTools Network tab exports, unchanged", maxHAREntry>>20)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		err = io.ErrUnexpectedEOF
	case !errors.As(err, &syntax):
		return fmt.Errorf("HAR: cannot read it: %w", err)
	}
	return fmt.Errorf("HAR: not JSON (%v): give the .har file the DevTools Network tab exports, unchanged; to get one, %s", err, harHowTo)
}

// errHARNoEntries is the error for JSON without log.entries.
var errHARNoEntries = fmt.Errorf("HAR: no log.entries: this JSON is not a HAR (HTTP Archive) file; to get one, %s", harHowTo)

// notHAR is the error for JSON that is not shaped as a HAR.
func notHAR(format string, args ...any) error {
	return fmt.Errorf("HAR: not a HAR file (%s): give the .har file the DevTools Network tab exports; to get one, %s", fmt.Sprintf(format, args...), harHowTo)
}

// jsonKind names the JSON value a token begins.
func jsonKind(t json.Token) string {
	switch t.(type) {
	case json.Delim:
		if t == json.Delim('[') {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "number"
}

// harEntry is the part of a HAR entry ImportHAR reads.
type harEntry struct {
	StartedDateTime string `json:"startedDateTime"`
	Request         struct {
		Method  string    `json:"method"`
		URL     string    `json:"url"`
		Headers []harPair `json:"headers"`
	} `json:"request"`
	Response struct {
		Status  int `json:"status"`
		Content struct {
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
		Error string `json:"_error"` // Chromium: why the request failed
	} `json:"response"`
	ServerIPAddress string          `json:"serverIPAddress"`
	Connection      json.RawMessage `json:"connection"` // a string in Chromium; any JSON is accepted
	Timings         struct {
		Blocked, DNS, Connect, Send, Wait float64
	} `json:"timings"`
	ResourceType      string        `json:"_resourceType"`
	WebSocketMessages *[]harMessage `json:"_webSocketMessages"`
}

type harPair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harMessage struct {
	Type   string  `json:"type"`
	Time   float64 `json:"time"`
	Opcode int     `json:"opcode"`
	Data   string  `json:"data"`
}

// harParsed is an entry with its URL and headers parsed.
type harParsed struct {
	i      int
	e      harEntry
	u      *url.URL
	header http.Header
}

// harItem is one entry to write: a socket or an exchange.
type harItem struct {
	i        int
	socket   bool
	start    time.Time
	req      *http.Request
	status   int
	statusAt time.Time
	frames   []harFrame
	body     []byte // exchange: the answer; socket: a refusal's body
	failure  string // socket without an answer: the browser's error
}

type harFrame struct {
	at                 time.Time
	fromClient, binary bool
	data               []byte
}

// end is when the socket's log ends: its last message, or its answer.
func (it *harItem) end() time.Time {
	end := it.start
	if it.status != 0 && it.statusAt.After(end) {
		end = it.statusAt
	}
	for _, f := range it.frames {
		if f.at.After(end) {
			end = f.at
		}
	}
	return end
}

// parseHAREntry reads entry i. It returns nil for an entry whose URL is
// not http(s) or ws(s): nothing ImportHAR imports.
func parseHAREntry(i int, e *harEntry) (*harParsed, error) {
	scheme, _, ok := strings.Cut(e.Request.URL, ":")
	if e.Request.URL == "" || !ok {
		return nil, fmt.Errorf("HAR entry %d: request.url is empty or has no scheme: the file is damaged; export it again", i)
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "ws", "wss":
	default:
		return nil, nil
	}
	u, err := url.Parse(e.Request.URL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, which may hold a token
		}
		return nil, fmt.Errorf("HAR entry %d: request.url is not a URL (%v): the file is damaged; export it again", i, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("HAR entry %d: request.url has no host: the file is damaged; export it again", i)
	}
	h := http.Header{}
	for _, p := range e.Request.Headers {
		if strings.HasPrefix(p.Name, ":") { // HTTP/2 pseudo-headers repeat the method and URL
			continue
		}
		h.Add(p.Name, p.Value)
	}
	return &harParsed{i: i, e: *e, u: u, header: h}, nil
}

func (p *harParsed) isWebSocket() bool {
	s := strings.ToLower(p.u.Scheme)
	return strings.EqualFold(p.e.ResourceType, "websocket") || s == "ws" || s == "wss" ||
		(p.e.Response.Status == http.StatusSwitchingProtocols && p.e.WebSocketMessages != nil)
}

// scribeMessages reports whether one of the first text messages is a JSON
// object with a message_type: a socket speaking Scribe's protocol through
// another URL (an app's own proxy).
func (p *harParsed) scribeMessages() bool {
	if p.e.WebSocketMessages == nil {
		return false
	}
	for j, m := range *p.e.WebSocketMessages {
		if j == 10 {
			break
		}
		if m.Opcode != 1 || !strings.Contains(m.Data, `"message_type"`) {
			continue
		}
		var v map[string]json.RawMessage
		if json.Unmarshal([]byte(m.Data), &v) == nil && v["message_type"] != nil {
			return true
		}
	}
	return false
}

// classify returns what to write for the entry, or nil to skip it.
func (p *harParsed) classify(sum *HARSummary) (*harItem, error) {
	e := &p.e
	method := strings.ToUpper(e.Request.Method)
	realtime := strings.Contains(p.u.Path, realtimePath)
	switch {
	case realtime || (p.isWebSocket() && p.scribeMessages()):
		return p.socketItem(sum)
	case p.isWebSocket():
		sum.Notes = append(sum.Notes, fmt.Sprintf("entry %d: skipped a WebSocket to %s%s: not Scribe's (no %s in its path, no message_type in its messages)",
			p.i, p.u.Host, p.u.EscapedPath(), realtimePath))
		return nil, nil
	}
	mint := method == http.MethodPost && strings.Contains(p.u.Path, "/single-use-token/")
	if !mint && len(e.Response.Content.Text) > maxProbedBody {
		return nil, nil // a script, an image: no token answer is that large
	}
	body, err := harBody(e)
	if err != nil {
		if !mint {
			return nil, nil // not ours, and not written
		}
		return nil, fmt.Errorf("HAR entry %d: response.content.text is not base64 although content.encoding says so (%v): the file is damaged; export it again", p.i, err)
	}
	if !mint && !hasTokenField(body) {
		return nil, nil
	}
	if mint && len(body) == 0 && e.Response.Status != 0 {
		sum.Notes = append(sum.Notes, fmt.Sprintf("entry %d: the HAR keeps no body for the token mint (HTTP %d): the minted token is unknown, so it cannot be matched to a socket", p.i, e.Response.Status))
	}
	start, err := p.start()
	if err != nil {
		return nil, err
	}
	return &harItem{i: p.i, start: start, req: p.request(method), status: e.Response.Status, body: body}, nil
}

// socketItem reads a Scribe socket's entry.
func (p *harParsed) socketItem(sum *HARSummary) (*harItem, error) {
	e := &p.e
	start, err := p.start()
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(e.Request.Method)
	if method == "" {
		method = http.MethodGet
	}
	it := &harItem{i: p.i, socket: true, start: start, req: p.request(method), status: e.Response.Status, failure: e.Response.Error}
	note := func(format string, args ...any) {
		sum.Notes = append(sum.Notes, fmt.Sprintf("entry %d: ", p.i)+fmt.Sprintf(format, args...))
	}
	if it.status != http.StatusSwitchingProtocols && it.status != 0 {
		if it.body, err = harBody(e); err != nil {
			it.body = nil
			note("the body of the HTTP %d answer is not base64 although content.encoding says so (%v); logged without it", it.status, err)
		}
	}
	var msgs []harMessage
	if e.WebSocketMessages != nil {
		msgs = *e.WebSocketMessages
	}
	switch {
	case it.status == http.StatusSwitchingProtocols && e.WebSocketMessages == nil:
		note("the socket was upgraded (101) but the HAR has no _webSocketMessages: whatever wrote it does not record WebSocket messages (Chromium DevTools' Export HAR does)")
	case it.status != http.StatusSwitchingProtocols && len(msgs) > 0:
		note("the HAR gives HTTP %d for a socket with %s; they are logged anyway", it.status, text.Plural(len(msgs), "message", "messages"))
	case it.status == 0:
		note("the HAR records no HTTP answer to the upgrade request; logged without one")
	}

	prev, early, blobs := start, 0, 0
	for j, m := range msgs {
		where := fmt.Sprintf("HAR entry %d: _webSocketMessages[%d]", p.i, j)
		var at time.Time
		if m.Time > 0 && !math.IsInf(m.Time, 0) {
			sec, frac := math.Modf(m.Time)
			at = time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC()
		} else {
			note("_webSocketMessages[%d] has no time; given the time of the one before", j)
			at = prev
		}
		prev = at
		if at.Before(start.Add(-time.Millisecond)) {
			early++
		}
		switch m.Type {
		case "send", "receive":
		case "error":
			note("Chromium recorded a WebSocket error at %.3f s: %q", at.Sub(start).Seconds(), clipNote(m.Data))
			continue
		default:
			return nil, fmt.Errorf("%s.type %q: Chromium writes \"send\", \"receive\" or \"error\"; the file is damaged or was not written by Chromium DevTools; export it again", where, clipNote(m.Type))
		}
		f := harFrame{at: at, fromClient: m.Type == "send"}
		switch m.Opcode {
		case 1:
			f.data = []byte(m.Data)
		case 2:
			f.binary = true
			f.data, err = base64.StdEncoding.DecodeString(m.Data)
			if err != nil {
				return nil, fmt.Errorf("%s.data: a binary message (opcode 2) whose data is not base64 (%v): the file is damaged; export it again", where, err)
			}
			if len(f.data) == 0 && f.fromClient {
				blobs++
			}
		default:
			return nil, fmt.Errorf("%s.opcode %d: Chromium records only text (1) and binary (2) messages; the file is damaged or was not written by Chromium DevTools; export it again", where, m.Opcode)
		}
		it.frames = append(it.frames, f)
	}
	if early > 0 {
		note("%s timed before the request (startedDateTime); logged with negative times", text.Plural(early, "message is", "messages are"))
	}
	if blobs > 0 {
		note("%s empty: Chromium does not record the bytes of a Blob the page sends", text.Plural(blobs, "binary message sent is", "binary messages sent are"))
	}

	// The answer came after the handshake's phases (timings, in ms) and no
	// later than the first message. Chromium moves a socket's "wait" with
	// every message, hence the bound.
	t := e.Timings
	hs := 0.0
	for _, ms := range []float64{t.Blocked, t.DNS, t.Connect, t.Send, t.Wait} {
		hs += max(ms, 0)
	}
	it.statusAt = start.Add(time.Duration(hs * float64(time.Millisecond)))
	if len(it.frames) > 0 && it.frames[0].at.Before(it.statusAt) {
		it.statusAt = it.frames[0].at
	}
	if it.statusAt.Before(start) {
		it.statusAt = start
	}
	return it, nil
}

func (p *harParsed) start() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, p.e.StartedDateTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("HAR entry %d: startedDateTime %q is not a time (%v): the file is damaged; export it again", p.i, clipNote(p.e.StartedDateTime), err)
	}
	return t, nil
}

// request is the entry's request as Set.Open and Set.Exchange take it.
func (p *harParsed) request(method string) *http.Request {
	h := p.header.Clone()
	if h.Get("Host") == "" {
		h.Set("Host", p.u.Host)
	}
	// Remote is the app's address in a wire log; a HAR is one browser's.
	return &http.Request{Method: method, URL: p.u, Header: h, Host: p.u.Host, RemoteAddr: HARRemote,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

// HARRemote is the Remote of every request a HAR holds: one browser, so the
// graders see one client.
const HARRemote = "browser (HAR)"

// maxProbedBody is the largest body (as stored) ImportHAR looks into for a
// token.
const maxProbedBody = 1 << 20

// harBody is the entry's response body, decoded.
func harBody(e *harEntry) ([]byte, error) {
	c := e.Response.Content
	if c.Encoding == "base64" {
		return base64.StdEncoding.DecodeString(c.Text)
	}
	return []byte(c.Text), nil
}

// hasTokenField reports whether body is a JSON object with a string token.
func hasTokenField(body []byte) bool {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' || !bytes.Contains(b, []byte(`"token"`)) {
		return false
	}
	var v map[string]json.RawMessage
	if json.Unmarshal(b, &v) != nil {
		return false
	}
	tok := bytes.TrimSpace(v["token"])
	return len(tok) > 2 && tok[0] == '"'
}

// learnItem teaches the set the credentials of an entry to be written:
// its API keys (so that a key is named as one wherever it appears),
// everything in a credential position, the token of its answer and the
// credentials in the client's frames. ImportHAR calls it (and learnSkipped)
// for every entry before it writes anything; what the set ends up knowing
// does not depend on their order (a value learnt as a key later is redacted
// all the same).
func (s *Set) learnItem(it *harItem) {
	s.learnKeys(it.req.Header)
	s.requestCredentials(it.req.URL.Query(), it.req.Header)
	if !it.socket {
		s.bodyCredentials(it.body)
	}
	for _, f := range it.frames {
		if f.fromClient && !f.binary {
			s.learnFrame(f.data)
		}
	}
}

// learnSkipped teaches the set what an entry not written reveals: its API
// keys, and only values shaped as tokens or keys under a credential query
// key (others, such as key=search, would redact ordinary words out of the
// frames).
func (s *Set) learnSkipped(p *harParsed) {
	s.learnKeys(p.header)
	q := p.u.Query()
	for _, k := range credentialQueryKeys {
		for _, v := range q[k] {
			if sh := s.shape(v); sh == ShapeToken || sh == ShapeAPIKey {
				s.secrets.Add(v)
			}
		}
	}
}

func (s *Set) learnKeys(h http.Header) {
	for _, v := range h.Values("Xi-Api-Key") {
		if sh := s.shape(v); sh != ShapePlaceholder && sh != ShapeEmpty {
			s.KnownKey(v)
		}
	}
}

// clipNote shortens text quoted in a note or an error.
func clipNote(s string) string {
	const n = 200
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
