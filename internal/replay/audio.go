package replay

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// The client's audio is compared as a stream cut into segments by its
// commits, not chunk by chunk: an SDK that sends the same audio in chunks of
// another size sends the same stream (see the package doc).

// commitField is input_audio_chunk's commit (docs/protocol.md §4).
const commitField = "commit"

// chunk is a client frame read as a piece of the audio stream.
type chunk struct {
	audio  int    // decoded bytes of audio_base_64
	commit bool   // commit:true: the segment ends after this chunk's audio
	sig    string // every other field, as canonical JSON (see asChunk)
}

// asChunk reads a client frame as an audio chunk: a text frame holding a
// JSON object whose audio_base_64 is a string of standard base64. Anything
// else is compared frame by frame, and why says what it is.
//
// sig holds the chunk's other fields with commit:true read as false: where
// the commits are is compared as the ends of the segments, whether and how a
// chunk carries the field is compared like every other field.
func asChunk(binary bool, data []byte) (c chunk, why string) {
	if binary {
		return c, "a binary frame"
	}
	var obj map[string]any
	if json.Unmarshal(data, &obj) != nil || obj == nil {
		return c, "a text frame that is no JSON object"
	}
	v, ok := obj[audioField]
	if !ok {
		return c, "a JSON object without " + audioField
	}
	s, ok := v.(string)
	if !ok {
		return c, fmt.Sprintf("%s that is no string (%s)", audioField, showJSON(v, true))
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return c, fmt.Sprintf("%s that is not base64 (%d characters)", audioField, len(s))
	}
	c.audio = len(b)
	delete(obj, audioField)
	if obj[commitField] == true {
		c.commit = true
		obj[commitField] = false
	}
	sig, _ := json.Marshal(obj) // map keys sorted: equal fields, equal text
	c.sig = string(sig)
	return c, ""
}

// recChunk is a recorded client frame that is an audio chunk.
type recChunk struct {
	chunk
	seg int // its segment: the recorded commits before it
	end int // the segment's audio up to the end of this chunk
}

// segment is a recorded segment: the chunks after one commit up to and
// including the next. The last segment has no commit (commit -1): the audio
// after the recording's last commit, often none.
type segment struct {
	start  int   // the recorded audio before the segment
	audio  int   // its audio
	commit int   // the frame (index into Log.Frames) that commits it; -1 for the last
	chunks []int // its chunks, indexes into Log.Frames
	runs   []run // its chunks' fields, a run of chunks with the same fields once
}

// run is a run of chunks with the same fields; frame is its first chunk.
type run struct {
	sig   string
	frame int
}

// plan is a recorded connection's audio stream, read once before it is
// played.
type plan struct {
	chunks map[int]*recChunk // by frame index; client frames that are audio chunks
	segs   []segment
	format protocol.AudioFormat
	known  bool // format is the recording's (it named no other)
}

// newPlan reads the recorded client frames of l as a stream. A clipped frame
// is no chunk (its audio is not all there): it is compared as a frame.
func newPlan(l *wirelog.Log) *plan {
	pl := &plan{chunks: map[int]*recChunk{}, segs: []segment{{commit: -1}}}
	pl.format, pl.known = protocol.AudioFormatOf(l.Query(protocol.ParamAudioFormat))
	total := 0
	for i, fr := range l.Frames {
		if fr.Dir != wirelog.FromClient {
			continue
		}
		p, err := fr.Payload()
		if err != nil || p.Clipped {
			continue
		}
		c, why := asChunk(!p.Text(), p.Data)
		if why != "" {
			continue
		}
		k := len(pl.segs) - 1
		s := &pl.segs[k]
		s.audio += c.audio
		total += c.audio
		s.chunks = append(s.chunks, i)
		if len(s.runs) == 0 || s.runs[len(s.runs)-1].sig != c.sig {
			s.runs = append(s.runs, run{sig: c.sig, frame: i})
		}
		pl.chunks[i] = &recChunk{chunk: c, seg: k, end: s.audio}
		if c.commit {
			s.commit = i
			pl.segs = append(pl.segs, segment{start: total, commit: -1})
		}
	}
	return pl
}

// secs is an amount of audio as a report shows it: seconds at the
// recording's format, or bytes when the recording names a format this tool
// does not know.
func (pl *plan) secs(n int) string {
	if !pl.known {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.3f s", pl.format.Seconds(n))
}

// audio is n bytes of audio in words, with the bytes and the format.
func (pl *plan) audio(n int) string {
	if !pl.known {
		return fmt.Sprintf("%d bytes of audio", n)
	}
	return fmt.Sprintf("%s of audio (%d bytes, %s)", pl.secs(n), n, pl.format.Name)
}

// frameAt is the recorded chunk of segment k whose audio holds position pos
// of the segment, the segment's last chunk past its end; -1 if it has none.
func (pl *plan) frameAt(k, pos int) int {
	s := pl.segs[k]
	for _, i := range s.chunks {
		if pl.chunks[i].end > pos {
			return i
		}
	}
	if len(s.chunks) == 0 {
		return -1
	}
	return s.chunks[len(s.chunks)-1]
}

// liveSegment is what the client sent of one segment so far.
type liveSegment struct {
	audio     int
	chunks    int
	committed bool
	runs      int    // runs of chunks with the same fields
	sig       string // the fields of the current run
	diverged  bool   // a field difference was reported for this segment
}

// liveStream is the client's audio: its segments in order, the last one open
// (not committed). Only counts are kept, however long the session.
type liveStream struct {
	segs []*liveSegment
}

// seg is the client's segment k, nil if its audio has not begun.
func (s *liveStream) seg(k int) *liveSegment {
	if k < len(s.segs) {
		return s.segs[k]
	}
	return nil
}

// open is the segment a chunk goes into now.
func (s *liveStream) open() (int, *liveSegment) {
	if n := len(s.segs); n > 0 && !s.segs[n-1].committed {
		return n - 1, s.segs[n-1]
	}
	s.segs = append(s.segs, &liveSegment{})
	return len(s.segs) - 1, s.segs[len(s.segs)-1]
}

// chunksIn is how many chunks the client has sent in segment k.
func (s *liveStream) chunksIn(k int) int {
	if ls := s.seg(k); ls != nil {
		return ls.chunks
	}
	return 0
}

// take adds a client chunk to the live stream, and compares its fields as
// they come: the n-th run of chunks with the same fields in a segment must
// carry the fields of the recording's n-th run there. How many chunks a run
// has is the chunking, and not compared.
func (p *player) take(c chunk, m message) {
	k, ls := p.live.open()
	at := ls.audio
	ls.audio += c.audio
	ls.chunks++
	if c.commit {
		ls.committed = true
	}
	if ls.runs > 0 && ls.sig == c.sig {
		return
	}
	ls.runs++
	ls.sig = c.sig
	if ls.diverged || k >= len(p.plan.segs) {
		return // one field difference per segment; a segment the recording lacks is an audio divergence
	}
	rs := p.plan.segs[k]
	j := ls.runs - 1
	if j < len(rs.runs) && rs.runs[j].sig == c.sig {
		return
	}
	var want run
	frame := p.plan.frameAt(k, at)
	switch {
	case len(rs.runs) == 0:
		return // the recording has no chunk here: the audio comparison says so
	case j < len(rs.runs):
		want, frame = rs.runs[j], rs.runs[j].frame
	default: // the client's chunks change their fields where the recording's do not
		want = rs.runs[len(rs.runs)-1]
	}
	ls.diverged = true
	p.diverge(p.fieldsDivergence(k, frame, want.sig, c.sig, showFrame(m.binary, m.data),
		fmt.Sprintf("the client's audio chunks from %s of the recorded audio on", p.plan.secs(rs.start+at))))
}

// fieldsDivergence is a difference in the fields of the chunks of segment k,
// at recorded frame frame.
func (p *player) fieldsDivergence(k, frame int, wantSig, gotSig, got, which string) Divergence {
	var w, g map[string]any
	_ = json.Unmarshal([]byte(wantSig), &w)
	_ = json.Unmarshal([]byte(gotSig), &g)
	d := Divergence{Kind: KindFrame, Got: got,
		Detail: fmt.Sprintf("%s (%s): %s", which, p.segName(k), strings.Join(fieldDiffs(w, g), "; "))}
	if frame >= 0 {
		f := p.l.Frames[frame]
		d.Index, d.At, d.Want = frame+1, f.T, showRecorded(f)
	}
	return d
}

// segName names segment k for a report.
func (p *player) segName(k int) string {
	if k < len(p.plan.segs)-1 {
		return fmt.Sprintf("the audio up to commit %d", k+1)
	}
	if k == 0 {
		return "the audio, which the recording never commits"
	}
	return fmt.Sprintf("the audio after commit %d, which the recording never commits", k)
}

// covered reports whether the client has sent what recorded chunk rc stands
// for, so that the replay may go on: the audio of its segment up to the end
// of rc (the client's chunks may be cut elsewhere), or, for a commit, the
// commit. A client that committed the segment has sent all it will of it. A
// chunk with no audio (a keepalive, previous_text alone) is covered by a
// chunk the client sent since the wait began (before is the client's chunk
// count of the segment then) or by audio past its place.
func (p *player) covered(rc *recChunk, before int) bool {
	ls := p.live.seg(rc.seg)
	switch {
	case ls == nil:
		return false
	case ls.committed:
		return true
	case rc.commit:
		return false
	case rc.audio == 0:
		return ls.chunks > before || ls.audio > rc.end
	}
	return ls.audio >= rc.end
}

// awaitAudio waits for the client to cover recorded chunk i (see covered),
// reading client frames into the live stream, and at a recorded commit
// compares the segment. It reports false when the connection ended
// (reported).
func (p *player) awaitAudio(i int, rc *recChunk) bool {
	before := p.live.chunksIn(rc.seg)
	for !p.covered(rc, before) {
		m, st, why := p.readClient()
		switch st {
		case readGot:
			if why != "" {
				f := p.l.Frames[i]
				p.diverge(Divergence{Kind: KindFrame, Index: i + 1, At: f.T, Want: showRecorded(f), Got: showFrame(m.binary, m.data),
					Detail: fmt.Sprintf("client frame %d of %d: the recording has an audio chunk here, the client sent %s", i+1, len(p.l.Frames), why)})
			}
		case readNone:
			p.stall.skipped++
			return true
		case readTimedOut:
			p.stall = p.missingAudio(i, rc)
			return true
		case readEnded:
			p.clientEnded(i)
			return false
		default:
			p.stopped(i)
			return false
		}
	}
	if rc.commit {
		p.compareSegment(rc.seg, i)
	}
	return true
}

// readClient reads the client's next frame: without waiting while a
// missing-frame episode is open (the client is behind and the recording
// plays on), else waiting up to WaitClient. A frame read ends the episode,
// and an audio chunk joins the live stream wherever it comes; why says
// what a frame that is no audio chunk is instead.
func (p *player) readClient() (m message, st int, why string) {
	if p.stall != nil {
		m, st = p.in.poll()
	} else {
		m, st = p.in.next(p.ctx, p.s.opts.WaitClient)
	}
	if st == readGot {
		p.flush(&p.stall)
		var c chunk
		if c, why = asChunk(m.binary, m.data); why == "" {
			p.take(c, m)
		}
	}
	return m, st, why
}

// missingAudio is the missing-frame episode for recorded chunk i: what of
// it the client did send.
func (p *player) missingAudio(i int, rc *recChunk) *stallEpisode {
	f := p.l.Frames[i]
	wait := p.s.opts.WaitClient
	rs := p.plan.segs[rc.seg]
	have := 0
	if ls := p.live.seg(rc.seg); ls != nil {
		have = ls.audio
	}
	got := fmt.Sprintf("nothing within %s", wait)
	detail := fmt.Sprintf("the client did not send recorded frame %d within %s", i+1, wait)
	switch {
	case rc.commit && have >= rs.audio:
		got = fmt.Sprintf("%s since the last commit, and no commit within %s", p.plan.audio(have), wait)
		detail = fmt.Sprintf("the client did not commit (recorded frame %d, commit %d) within %s", i+1, rc.seg+1, wait)
	case have > 0:
		got = fmt.Sprintf("audio up to %s of the recorded audio, then nothing within %s", p.plan.secs(rs.start+have), wait)
		detail = fmt.Sprintf("the client's audio stopped short of recorded frame %d's end (%s of the recorded audio) for %s", i+1, p.plan.secs(rs.start+rc.end), wait)
	}
	return &stallEpisode{d: Divergence{Kind: KindMissing, Index: i + 1, At: f.T, Want: showRecorded(f), Got: got, Detail: detail},
		skipped: 1, more: "; %d recorded client frames in all were not sent (not awaited after the first; the server frames were still played)"}
}

// compareSegment compares the client's segment k, which it committed, with
// the recording's, committed by frame i: the audio's length, and whether the
// client's chunks carried all the recording's runs of fields.
func (p *player) compareSegment(k, i int) {
	rs, ls := p.plan.segs[k], p.live.seg(k)
	f := p.l.Frames[i]
	if ls.audio != rs.audio {
		p.diverge(Divergence{Kind: KindAudio, Index: i + 1, At: f.T,
			Want:   fmt.Sprintf("commit %d after %s", k+1, p.plan.audio(rs.audio)),
			Got:    fmt.Sprintf("commit %d after %s", k+1, p.plan.audio(ls.audio)),
			Detail: p.audioDiff(k, ls.audio)})
	}
	p.fewerRuns(k, i)
}

// audioDiff says how the client's audio of segment k differs in length from
// the recording's, and where in the recorded audio the difference starts.
func (p *player) audioDiff(k, got int) string {
	rs := p.plan.segs[k]
	name := fmt.Sprintf("commit %d comes", k+1)
	if rs.commit < 0 {
		name = "the audio the recording never commits ends"
	}
	if got < rs.audio {
		return fmt.Sprintf("%s after %s of audio, the recording's after %s: %s short (too little audio, or a commit too early), from %s of the recorded audio on",
			name, p.plan.secs(got), p.plan.secs(rs.audio), p.plan.secs(rs.audio-got), p.plan.secs(rs.start+got))
	}
	return fmt.Sprintf("%s after %s of audio, the recording's after %s: %s more (too much audio, or a commit too late), from %s of the recorded audio on",
		name, p.plan.secs(got), p.plan.secs(rs.audio), p.plan.secs(got-rs.audio), p.plan.secs(rs.start+rs.audio))
}

// fewerRuns reports, at the end of segment k (frame i), a change of fields
// the recording's chunks make and the client's never did.
func (p *player) fewerRuns(k, i int) {
	rs, ls := p.plan.segs[k], p.live.seg(k)
	if ls == nil || ls.diverged || ls.runs == 0 || ls.runs >= len(rs.runs) {
		return
	}
	want := rs.runs[ls.runs]
	ls.diverged = true
	f := p.l.Frames[i]
	d := p.fieldsDivergence(k, want.frame, want.sig, ls.sig,
		fmt.Sprintf("no chunk with these fields up to %s", p.segEnd(k, f)),
		"the recording's audio chunks change their fields here, the client's never do")
	p.diverge(d)
}

func (p *player) segEnd(k int, f wirelog.Record) string {
	if p.plan.segs[k].commit >= 0 {
		return fmt.Sprintf("commit %d", k+1)
	}
	return fmt.Sprintf("the recording's last client frame (at %.3fs)", f.T)
}

// compareLast compares, once the recorded frames are done, the client's
// audio after its last commit the recording has with the recording's (which
// the recording never commits): a commit there, or audio beyond the
// recording's, is an audio divergence. Audio the client has not sent of it
// was reported as missing.
func (p *player) compareLast() {
	k := len(p.plan.segs) - 1
	ls := p.live.seg(k)
	if ls == nil || ls.chunks == 0 {
		return
	}
	rs := p.plan.segs[k]
	i := len(p.l.Frames) - 1
	if n := len(rs.chunks); n > 0 {
		i = rs.chunks[n-1]
	}
	f := p.l.Frames[i]
	want := fmt.Sprintf("%s, never committed (the recording has %s)", p.plan.audio(rs.audio), text.Plural(k, "commit", "commits"))
	switch {
	case ls.committed:
		p.diverge(Divergence{Kind: KindAudio, Index: i + 1, At: f.T, Want: want,
			Got: fmt.Sprintf("commit %d after %s", k+1, p.plan.audio(ls.audio)),
			Detail: fmt.Sprintf("the client commits where the recording does not: commit %d, at %s of the recorded audio",
				k+1, p.plan.secs(rs.start+ls.audio))})
	case ls.audio > rs.audio:
		p.diverge(Divergence{Kind: KindAudio, Index: i + 1, At: f.T, Want: want, Got: p.plan.audio(ls.audio) + ", not committed",
			Detail: p.audioDiff(k, ls.audio)})
	}
	if ls.audio >= rs.audio { // all of it sent: a change of fields it lacks is no missing chunk
		p.fewerRuns(k, i)
	}
}

// coveredFrom reports whether every recorded client frame from i on is
// covered by what the client has sent (audio chunks only), comparing the
// segments whose commits it covers: frames the client already sent in
// other chunks.
func (p *player) coveredFrom(i int) bool {
	for j := i; j < len(p.l.Frames); j++ {
		if p.l.Frames[j].Dir != wirelog.FromClient {
			continue
		}
		rc := p.plan.chunks[j]
		if rc == nil || !p.covered(rc, p.live.chunksIn(rc.seg)) {
			return false
		}
	}
	for j := i; j < len(p.l.Frames); j++ {
		if rc := p.plan.chunks[j]; rc != nil && rc.commit {
			p.compareSegment(rc.seg, j)
		}
	}
	return true
}
