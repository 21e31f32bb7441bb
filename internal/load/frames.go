package load

import (
	"net/url"

	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// fixtureSecs is at least how much distinct speech the sessions loop over.
const fixtureSecs = 4.0

// fixtureFormat is the audio every session sends.
var fixtureFormat = protocol.AudioFormat{Name: "pcm_16000", SampleRate: 16000}

// frames are the fixture's input_audio_chunk frames, JSON-encoded once and
// shared read-only by every session (the WebSocket client masks a copy, never
// the caller's bytes).
type frames struct {
	audio  [][]byte // one chunk each, no commit
	commit []byte   // empty audio, commit:true
}

func newFrames(chunkMS int) *frames {
	n := int(fixtureSecs*1000+float64(chunkMS)-1) / chunkMS
	pcm := fixtureFormat.Speech(float64(n*chunkMS) / 1000)
	per := len(pcm) / n
	f := &frames{}
	for i := range n {
		f.audio = append(f.audio, protocol.AppendAudioChunk(nil, pcm[i*per:(i+1)*per], fixtureFormat.SampleRate, false))
	}
	f.commit = protocol.AppendAudioChunk(nil, nil, fixtureFormat.SampleRate, true)
	return f
}

// socketQuery is the realtime socket's query: the fixture's format, manual
// commits.
func socketQuery() url.Values {
	q := probes.DefaultQuery()
	q.Set(protocol.ParamAudioFormat, fixtureFormat.Name)
	q.Set(protocol.ParamCommitStrategy, protocol.CommitManual)
	return q
}
