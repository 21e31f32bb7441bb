package fakeserver

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

// BenchmarkLongSession streams 91 s of speech in quarter-second chunks into one manual
// session (the auto-commit spec's load): the recogniser hears each slot once,
// so partials cost the same however long the segment grows.
func BenchmarkLongSession(b *testing.B) {
	s, base, _ := startFake(b)
	speech := pcm16k.Speech(91)
	b.SetBytes(int64(len(speech)))
	b.ResetTimer()
	for range b.N {
		sock := open(b, base, query(), s.TestKey())
		sock.stream(b, speech, false)
		sock.finish(b)
	}
}

// BenchmarkChunk is one input_audio_chunk through a session's handle: the
// fake's own cost per frame, without the socket (BenchmarkSocketFrame has
// the socket, beside the bench's bare sink). The frames are what
// `scribecheck load` sends, 100 ms of the speech fixture each, and as in
// the bench's ingest figure no client commits: manual mode commits by
// itself every 90 s of audio, vad mode at each pause. Each answer is
// encoded as the socket would encode it, then dropped.
func BenchmarkChunk(b *testing.B) {
	for _, c := range []struct{ name, query string }{
		{"manual", "model_id=scribe_v2_realtime&audio_format=pcm_16000&commit_strategy=manual"},
		{"vad", "model_id=scribe_v2_realtime&audio_format=pcm_16000&commit_strategy=vad&vad_silence_threshold_secs=0.3"},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, err := New(Options{Clock: NewManualClock(time.Now())})
			if err != nil {
				b.Fatal(err)
			}
			q, _ := url.ParseQuery(c.query)
			cfg, err := parseConfig(q, s.set.params)
			if err != nil {
				b.Fatal(err)
			}
			sock := &socketWire{rec: nopRecorder{}}
			ctx, cancel := context.WithCancel(context.Background())
			ss := newSession(ctx, s, nil, sock, encodeWire{sock}, cfg, cancel)
			defer ss.stopTimers()
			chunks := LoadFrames(b, cfg.Format)
			b.SetBytes(int64(len(chunks[0])))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ss.handle(websocket.MessageText, chunks[i%len(chunks)])
			}
			b.StopTimer()
			if sock.Closed() {
				b.Fatal("the session closed during the benchmark")
			}
		})
	}
}

// LoadFrames are the chunks internal/load sends: 4 s of speech in 100 ms
// input_audio_chunks (exported for the package's external benchmarks).
func LoadFrames(tb testing.TB, f protocol.AudioFormat) (chunks [][]byte) {
	tb.Helper()
	const n = 40
	pcm := f.Speech(n * 0.1)
	per := len(pcm) / n
	for i := range n {
		chunks = append(chunks, protocol.AppendAudioChunk(nil, pcm[i*per:(i+1)*per], f.SampleRate, false))
	}
	return chunks
}

// encodeWire encodes every frame as socketWire does and drops it.
type encodeWire struct{ sock *socketWire }

func (w encodeWire) Send(batch ...frame) {
	for _, f := range batch {
		if _, ok := f.Body.(rawText); !ok {
			if _, err := json.Marshal(f.Body); err != nil {
				panic(err)
			}
		}
	}
}

func (w encodeWire) Close(websocket.StatusCode, string) { w.sock.markClosed() }
