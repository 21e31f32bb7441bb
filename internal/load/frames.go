package load

import (
	"encoding/base64"
	"encoding/json"
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

func newFrames(chunkMS int) (*frames, error) {
	n := int(fixtureSecs*1000+float64(chunkMS)-1) / chunkMS
	pcm := fixtureFormat.Speech(float64(n*chunkMS) / 1000)
	per := len(pcm) / n
	f := &frames{}
	for i := range n {
		b, err := json.Marshal(protocol.AudioChunk{MessageType: protocol.InputAudioChunk, AudioBase64: base64.StdEncoding.EncodeToString(pcm[i*per : (i+1)*per]), SampleRate: fixtureFormat.SampleRate})
		if err != nil {
			return nil, err
		}
		f.audio = append(f.audio, b)
	}
	b, err := json.Marshal(protocol.AudioChunk{MessageType: protocol.InputAudioChunk, Commit: true, SampleRate: fixtureFormat.SampleRate})
	if err != nil {
		return nil, err
	}
	f.commit = b
	return f, nil
}

// socketQuery is the realtime socket's query: the fixture's format, manual
// commits.
func socketQuery() url.Values {
	q := probes.DefaultQuery()
	q.Set(protocol.ParamAudioFormat, fixtureFormat.Name)
	q.Set(protocol.ParamCommitStrategy, protocol.CommitManual)
	return q
}
