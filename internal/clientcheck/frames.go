package clientcheck

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// The rules on what the client sent, and on how the connection ended.

// frameProblem says what is wrong with one client frame as a protocol
// message, or "".
func frameProblem(c clientFrame) string {
	switch {
	case c.damaged != "":
		return c.damaged
	case c.body.Kind == wirelog.FrameNotUTF8:
		return "a text frame that is not UTF-8"
	case c.body.Kind == wirelog.FrameBinary:
		return fmt.Sprintf("a binary frame (%d bytes): audio goes base64-encoded inside an input_audio_chunk JSON text frame", c.body.Len)
	case c.body.Clipped:
		return "" // too large to keep whole; judged by nothing here
	case !gjson.ValidBytes(c.body.Data):
		return "not JSON"
	case !c.isJSON:
		return "JSON but not an object"
	}
	mt := c.msg.Get(protocol.MessageTypeField)
	switch {
	case !mt.Exists() && c.msg.Get("type").Exists():
		return fmt.Sprintf("\"type\":%s instead of \"message_type\": the discriminator is message_type", c.msg.Get("type").Raw)
	case !mt.Exists():
		return "no message_type"
	case mt.String() == "commit":
		return "{\"message_type\":\"commit\"} does not exist: a commit is an input_audio_chunk with \"commit\":true (and \"audio_base_64\":\"\")"
	case mt.String() != protocol.InputAudioChunk:
		return fmt.Sprintf("message_type %s is no client message: input_audio_chunk is the only one", mt.Raw)
	case c.msg.Get("audio_base_64").Type != gjson.String:
		return "an input_audio_chunk without a string audio_base_64"
	case c.msg.Get("commit").Exists() && !c.msg.Get("commit").IsBool():
		return fmt.Sprintf("commit is %s, not true or false", c.msg.Get("commit").Raw)
	}
	return ""
}

// frames: CLIENT-5.
func frames(v *view) Finding {
	if len(v.client) == 0 {
		return notApplicable(RuleFrames, v, fmt.Sprintf("%s sent no frames.", v.id))
	}
	var bad tally
	for _, c := range v.client {
		if p := frameProblem(c); p != "" {
			bad.add(p, c.rec, c.idx)
		}
	}
	if len(bad.idxs) == 0 {
		return pass(RuleFrames, v, fmt.Sprintf("%s: all %s are input_audio_chunk JSON text frames.", v.id, text.Plural(len(v.client), "client frame", "client frames")))
	}
	answered := ""
	if n := countType(v, protocol.ErrInput); n > 0 {
		answered = fmt.Sprintf(" The server answered %s.", text.Plural(n, "input_error", "input_errors"))
	}
	return broken(RuleFrames, v, bad.idxs, fmt.Sprintf("%s sent %d of %d frames that are no protocol message: %s.%s",
		v.id, len(bad.idxs), len(v.client), bad.kinds("frame", "frames"), answered), frameLines(v.log, bad.idxs, 3))
}

// tally gathers a rule's problems on one connection: the frames that have
// one, and each problem's count and first frame, in the order the problems
// first came.
type tally struct {
	idxs  []int
	order []string
	count map[string]int
	first map[string]string
}

func (t *tally) add(problem string, rec wirelog.Record, idx int) {
	if t.count == nil {
		t.count, t.first = map[string]int{}, map[string]string{}
	}
	t.idxs = append(t.idxs, idx)
	if t.count[problem] == 0 {
		t.order = append(t.order, problem)
		t.first[problem] = where(rec, idx)
	}
	t.count[problem]++
}

// kinds says each problem with its count of frames (one, many) and its
// first: "binary frames (3 frames, first #2 at 0.10 s); …".
func (t *tally) kinds(one, many string) string {
	var parts []string
	for _, p := range t.order {
		parts = append(parts, fmt.Sprintf("%s (%s, first %s)", p, text.Plural(t.count[p], one, many), t.first[p]))
	}
	return strings.Join(parts, "; ")
}

func countType(v *view, t string) int {
	n := 0
	for _, s := range v.server {
		if s.typ == t {
			n++
		}
	}
	return n
}

// sampleRate: CLIENT-6.
func sampleRate(v *view) Finding {
	if !v.formatOK {
		return notApplicable(RuleSampleRate, v, fmt.Sprintf("%s: audio_format is not one the socket knows (CLIENT-17).", v.id))
	}
	var idxs []int
	seen := map[string]bool{}
	var rates []string
	checked := 0
	for _, c := range v.chunks() {
		sr := c.msg.Get("sample_rate")
		if !sr.Exists() || sr.Type == gjson.Null {
			continue
		}
		checked++
		if sr.Type == gjson.Number && sr.Num == float64(v.format.SampleRate) {
			continue
		}
		idxs = append(idxs, c.idx)
		if !seen[sr.Raw] {
			seen[sr.Raw] = true
			rates = append(rates, sr.Raw)
		}
	}
	declared := v.format.Name
	if _, ok := queryValue(v.log, protocol.ParamAudioFormat); !ok {
		declared += " (the default: the query has no audio_format)"
	}
	switch {
	case checked == 0:
		return notApplicable(RuleSampleRate, v, fmt.Sprintf("%s: no chunk carries sample_rate (allowed: the newest schema drops it).", v.id))
	case len(idxs) > 0:
		first := v.log.Frames[idxs[0]]
		return broken(RuleSampleRate, v, idxs, fmt.Sprintf("%s: %d of %d chunks say sample_rate %s (first %s) but audio_format is %s, %d Hz: "+
			"set audio_format=pcm_<rate> to the rate the audio really has, or resample the audio to %d Hz.",
			v.id, len(idxs), checked, strings.Join(rates, ", "), where(first, idxs[0]), declared, v.format.SampleRate, v.format.SampleRate),
			requestLine(v.log)+"\n"+frameLines(v.log, idxs, 2))
	}
	return pass(RuleSampleRate, v, fmt.Sprintf("%s: %d chunks say sample_rate %d, as %s does.", v.id, checked, v.format.SampleRate, v.format.Name))
}

// audioBase64: CLIENT-7.
func audioBase64(v *view) Finding {
	chunks := v.chunks()
	if len(chunks) == 0 {
		return notApplicable(RuleBase64, v, fmt.Sprintf("%s sent no input_audio_chunk.", v.id))
	}
	var bad tally
	for _, c := range chunks {
		p := c.b64err
		if p == "" && c.odd {
			p = "an odd number of bytes: PCM16 samples are 2 bytes, so the app splits audio mid-sample (the server drops the odd byte)"
		}
		if p != "" {
			bad.add(p, c.rec, c.idx)
		}
	}
	if len(bad.idxs) == 0 {
		return pass(RuleBase64, v, fmt.Sprintf("%s: every audio_base_64 is standard base64 of whole samples (%s).", v.id, text.Plural(len(chunks), "chunk", "chunks")))
	}
	return broken(RuleBase64, v, bad.idxs, fmt.Sprintf("%s: %d of %d chunks have bad audio_base_64: %s. Encode whole samples with standard, padded base64.",
		v.id, len(bad.idxs), len(chunks), bad.kinds("chunk", "chunks")), frameLines(v.log, bad.idxs, 3))
}

// Chunk size bounds (D, a recommendation).
const (
	minChunkSecs = 0.1
	maxChunkSecs = 1.0
	chunkSlack   = 1e-6
)

// chunkStats measures the audio chunks CLIENT-8 judges: their durations,
// and the frames and durations of those outside 0.1–1 s.
func chunkStats(v *view) (durs []float64, idxs []int, bad []float64) {
	for _, c := range v.client {
		// A frame too large for the log to keep is far over 1 s of audio in
		// any format: base64 of audio is 4/3 of its bytes.
		if c.body.Clipped && c.body.Kind == wirelog.FrameText {
			d := v.format.Seconds(c.body.Len * 3 / 4)
			durs, idxs, bad = append(durs, d), append(idxs, c.idx), append(bad, d)
		}
	}
	chunks := v.chunks()
	for i, c := range chunks {
		if c.audio <= 0 || c.commit || lastBeforeCommitOrClose(chunks, i) {
			continue
		}
		d := v.format.Seconds(c.audio)
		durs = append(durs, d)
		if d < minChunkSecs-chunkSlack || d > maxChunkSecs+chunkSlack {
			idxs = append(idxs, c.idx)
			bad = append(bad, d)
		}
	}
	slices.Sort(idxs)
	return durs, idxs, bad
}

// chunkSize: CLIENT-8.
func chunkSize(v *view) Finding {
	if !v.formatOK {
		return notApplicable(RuleChunkSize, v, fmt.Sprintf("%s: audio_format is not one the socket knows (CLIENT-17).", v.id))
	}
	durs, idxs, bad := chunkStats(v)
	if len(durs) == 0 {
		return notApplicable(RuleChunkSize, v, fmt.Sprintf("%s: no audio chunk to judge (empty chunks, and the last chunk before a commit or the close, are excepted).", v.id))
	}
	lo, hi := spread(durs)
	if len(idxs) == 0 {
		return pass(RuleChunkSize, v, fmt.Sprintf("%s: %d chunks of %s.", v.id, len(durs), secRange(lo, hi)))
	}
	blo, bhi := spread(bad)
	advice := "buffer audio into chunks of 100 ms or more"
	if bhi > maxChunkSecs {
		advice = "send chunks of at most 1 s"
		if blo < minChunkSecs {
			advice = "send chunks of 0.1 to 1 s"
		}
	}
	return broken(RuleChunkSize, v, idxs, fmt.Sprintf("%s: %d of %d audio chunks are outside 0.1–1 s (those: %s; all chunks: %s), first %s: %s.",
		v.id, len(idxs), len(durs), secRange(blo, bhi), secRange(lo, hi), where(v.log.Frames[idxs[0]], idxs[0]), advice), frameLines(v.log, idxs, 2))
}

// lastBeforeCommitOrClose: chunk i is the last audio before a commit, or the
// last audio of the connection.
func lastBeforeCommitOrClose(chunks []clientFrame, i int) bool {
	for _, c := range chunks[i+1:] {
		switch {
		case c.commit:
			return true
		case c.audio > 0:
			return false
		}
	}
	return true
}

func spread(xs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

func secRange(lo, hi float64) string {
	if math.Abs(hi-lo) < 0.0005 {
		return fmt.Sprintf("%.3f s", lo)
	}
	return fmt.Sprintf("%.3f–%.3f s", lo, hi)
}

// commitCheck is one client commit and what the audio count says of it.
type commitCheck struct {
	c      clientFrame
	secs   float64 // uncommitted audio when it came, by the client's byte counts
	approx bool    // a server-side commit came between: secs is a lower bound
	// after names what came just before: "the previous commit (#k)", "the
	// server's own commit (#k)", or "".
	after     string
	throttled *serverFrame
}

// commits follows the uncommitted audio through the connection: client
// audio adds to it; a client commit, or a committed_transcript the client did
// not ask for (VAD, auto-commit), empties it.
func commits(v *view) (out []commitCheck, uncommittedEnd int) {
	var pending []int
	uncommitted, approx, last := 0, false, ""
	ci, si := 0, 0
	for ci < len(v.client) || si < len(v.server) {
		if si >= len(v.server) || (ci < len(v.client) && v.client[ci].idx < v.server[si].idx) {
			c := v.client[ci]
			ci++
			if !c.chunk || c.audio < 0 {
				continue
			}
			uncommitted += c.audio
			if c.audio > 0 {
				last = ""
			}
			if c.commit {
				out = append(out, commitCheck{c: c, secs: v.format.Seconds(uncommitted), approx: approx, after: last})
				pending = append(pending, len(out)-1)
				uncommitted, approx, last = 0, false, fmt.Sprintf("the previous commit (%s)", where(c.rec, c.idx))
			}
			continue
		}
		s := v.server[si]
		si++
		switch s.typ {
		case protocol.CommittedTranscript:
			if len(pending) > 0 {
				pending = pending[1:]
				continue
			}
			uncommitted, approx, last = 0, true, fmt.Sprintf("the server's own commit (committed_transcript %s)", where(s.rec, s.idx))
		case protocol.ErrCommitThrottled:
			switch {
			case len(pending) > 0:
				out[pending[0]].throttled = &v.server[si-1]
				pending = pending[1:]
			case len(out) > 0: // a server commit's transcript was taken for its answer
				out[len(out)-1].throttled = &v.server[si-1]
			}
		}
	}
	return out, uncommitted
}

// commitMinimum: CLIENT-9.
func commitMinimum(v *view) Finding {
	if !v.formatOK {
		return notApplicable(RuleCommitMinimum, v, fmt.Sprintf("%s: audio_format is not one the socket knows (CLIENT-17).", v.id))
	}
	cs, _ := commits(v)
	if len(cs) == 0 {
		return notApplicable(RuleCommitMinimum, v, fmt.Sprintf("%s sent no commit.", v.id))
	}
	var idxs []int
	var parts, ev []string
	for _, c := range cs {
		short := c.secs < protocol.MinCommitSeconds-1e-9
		if c.throttled == nil && (!short || c.approx) {
			continue
		}
		idxs = append(idxs, c.c.idx)
		s := fmt.Sprintf("the commit %s came with %.2f s of uncommitted audio", where(c.c.rec, c.c.idx), c.secs)
		if c.approx {
			s = fmt.Sprintf("the commit %s came with at least %.2f s of uncommitted audio", where(c.c.rec, c.c.idx), c.secs)
		}
		if c.after != "" {
			s += ", right after " + c.after
		}
		ev = append(ev, frameLine(c.c.rec, c.c.idx))
		if t := c.throttled; t != nil {
			s += fmt.Sprintf(", and the server answered commit_throttled (%s)", where(t.rec, t.idx))
			ev = append(ev, frameLine(t.rec, t.idx))
			if cl := v.log.Close; cl != nil && cl.By == wirelog.FromServer {
				s += fmt.Sprintf(" and closed %d %q", cl.Code, cl.Reason)
			}
		}
		parts = append(parts, s)
	}
	if len(idxs) == 0 {
		return pass(RuleCommitMinimum, v, fmt.Sprintf("%s: %s, each with at least 0.3 s of uncommitted audio.", v.id, text.Plural(len(cs), "commit", "commits")))
	}
	return broken(RuleCommitMinimum, v, idxs, fmt.Sprintf("%s: %s. A commit needs 0.3 s of uncommitted audio: pad the segment with silence to 0.3 s, or wait until 0.3 s has been sent since the last commit.",
		v.id, strings.Join(parts, "; ")), strings.Join(ev, "\n"))
}

// previousText: CLIENT-10.
func previousText(v *view) Finding {
	chunks := v.chunks()
	if len(chunks) == 0 {
		return notApplicable(RulePreviousText, v, fmt.Sprintf("%s sent no input_audio_chunk.", v.id))
	}
	var idxs []int
	for _, c := range chunks[1:] {
		if pt := c.msg.Get("previous_text"); pt.Exists() && pt.Type != gjson.Null {
			idxs = append(idxs, c.idx)
		}
	}
	if len(idxs) == 0 {
		return pass(RulePreviousText, v, fmt.Sprintf("%s: previous_text only with the first chunk, if at all.", v.id))
	}
	first := v.log.Frames[idxs[0]]
	return broken(RulePreviousText, v, idxs, fmt.Sprintf("%s: %s previous_text after the first chunk (first %s): send previous_text only with the first chunk (null on later chunks is fine).",
		v.id, text.Plural(len(idxs), "chunk carries", "chunks carry"), where(first, idxs[0])), frameLines(v.log, idxs, 2))
}

// closeCode: CLIENT-13.
func closeCode(v *view) Finding {
	l := v.log
	c := l.Close
	switch {
	case !l.Upgraded():
		return notApplicable(RuleCloseCode, v, fmt.Sprintf("%s was never a WebSocket (%s).", v.id, v.closeText()))
	case c == nil:
		return notApplicable(RuleCloseCode, v, fmt.Sprintf("%s: the log ends without a close record (the recorder stopped first).", v.id))
	case c.By == wirelog.FromServer:
		return notApplicable(RuleCloseCode, v, fmt.Sprintf("%s: the server closed (%d).", v.id, c.Code))
	case c.By == wirelog.ByCut && c.Error == wirelog.RecordingEnded:
		return notApplicable(RuleCloseCode, v, fmt.Sprintf("%s was still open when the recording ended.", v.id))
	case c.By == wirelog.ByCut && c.Error == wirelog.CloseNotRecorded:
		return notApplicable(RuleCloseCode, v, fmt.Sprintf("%s: the recording does not say how it ended.", v.id))
	case c.By == wirelog.ByCut && c.CutBy == wirelog.FromServer:
		return notApplicable(RuleCloseCode, v, fmt.Sprintf("%s: the server vanished at %.2f s (%s).", v.id, c.T, c.Error))
	case c.By == wirelog.ByCut:
		msg := fmt.Sprintf("%s: the connection was cut at %.2f s without a close frame", v.id, c.T)
		if c.Error != "" {
			msg += " (" + c.Error + ")"
		}
		return broken(RuleCloseCode, v, nil, msg+": the client dropped the TCP connection (a crash, a killed process, or CloseNow). "+
			"When done, close with code 1000; pending audio is not committed either way, so commit first.", closeLine(c))
	case c.Code == 1000:
		return pass(RuleCloseCode, v, fmt.Sprintf("%s: the client closed with 1000.", v.id))
	}
	what := fmt.Sprintf("code %d", c.Code)
	if c.Code == 1005 {
		what = "no status code (1005 at the server: what elevenlabs-js sends)"
	}
	return broken(RuleCloseCode, v, nil, fmt.Sprintf("%s: the client closed with %s at %.2f s: close with code 1000 when done.", v.id, what, c.T), closeLine(c))
}

func closeLine(c *wirelog.Record) string {
	s := fmt.Sprintf("close %.3fs by %s", c.T, c.By)
	if c.Code != 0 {
		s += fmt.Sprintf(" code %d", c.Code)
	}
	if c.Reason != "" {
		s += fmt.Sprintf(" reason %q", c.Reason)
	}
	if c.Error != "" {
		s += " (" + c.Error + ")"
	}
	return s
}

// Idle close (O: ~15.5 s after the last audio chunk). A server close 1000
// with no error at least idleSuspect after the last audio is taken for it.
const idleSuspect = 14 * time.Second

// keepalive: CLIENT-14.
func keepalive(v *view) Finding {
	l := v.log
	c := l.Close
	switch {
	case !v.started():
		return notApplicable(RuleKeepalive, v, fmt.Sprintf("%s never had a session.", v.id))
	case c == nil || c.By != wirelog.FromServer:
		return notApplicable(RuleKeepalive, v, fmt.Sprintf("%s: the server did not close the session (%s).", v.id, v.closeText()))
	case v.errorFrame() != nil:
		e := v.errorFrame()
		return notApplicable(RuleKeepalive, v, fmt.Sprintf("%s: the server closed after %s, not for idleness.", v.id, e.typ))
	}
	// The last chunk with audio (the session's start when there was none),
	// and the last chunk of any kind: the idle timer runs from the last audio
	// (O); whether an empty chunk restarts it is unconfirmed (U).
	lastAudio, lastIdx := v.first(protocol.SessionStarted).rec.T, -1
	lastAny := lastAudio
	empties := 0
	for _, ch := range v.chunks() {
		lastAny = ch.rec.T
		switch {
		case ch.audio > 0:
			lastAudio, lastIdx, empties = ch.rec.T, ch.idx, 0
		case !ch.commit:
			empties++
		}
	}
	gap := time.Duration((c.T - lastAudio) * float64(time.Second))
	quiet := time.Duration((c.T - lastAny) * float64(time.Second))
	// Idle: nothing at all for the timeout, or keepalives that this server
	// did not count (the close comes right on time after the last audio).
	if quiet < idleSuspect && (empties == 0 || gap < idleSuspect || gap > idleSuspect+6*time.Second) {
		return pass(RuleKeepalive, v, fmt.Sprintf("%s: the server closed %s after the last audio: not the idle timeout.", v.id, text.Seconds(gap)))
	}
	since := "the last audio chunk"
	if lastIdx >= 0 {
		since += " (" + where(l.Frames[lastIdx], lastIdx) + ")"
	} else {
		since = "the session started, and no audio came"
	}
	msg := fmt.Sprintf("%s: the server closed the session (%d, no error) %s after %s: the idle timeout (~15.5 s).", v.id, c.Code, text.Seconds(gap), since)
	if empties > 0 {
		msg += fmt.Sprintf(" The client sent %s after that audio, and they did not keep the session alive here: send silence, not empty chunks.",
			text.Plural(empties, "empty chunk", "empty chunks"))
	}
	if lost := uncommittedAtEnd(v); lost > 0 {
		msg += fmt.Sprintf(" %.2f s of uncommitted audio was lost.", lost)
	}
	msg += " Send silence at least every ~10 s while the session should stay open, or commit and close it when done."
	idxs := []int{}
	if lastIdx >= 0 {
		idxs = append(idxs, lastIdx)
	}
	ev := strings.TrimSpace(frameLines(l, idxs, 1) + "\n" + closeLine(c))
	return broken(RuleKeepalive, v, idxs, msg, ev)
}

// uncommittedAtEnd is the audio after the last commit (the client's or the
// server's), in seconds.
func uncommittedAtEnd(v *view) float64 {
	if !v.formatOK {
		return 0
	}
	_, n := commits(v)
	return v.format.Seconds(n)
}
