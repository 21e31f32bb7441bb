package probes

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

// OpenSession dials the realtime socket with the target's key in the
// xi-api-key header and query q, and waits for the first frame. It always
// returns the Conn (to close and to read its timeline); first is the first
// frame when one came.
func OpenSession(ctx context.Context, t Target, q url.Values, opts Options) (conn *Conn, first Frame, ok bool) {
	opts = opts.WithDefaults()
	h := http.Header{}
	h.Set(protocol.APIKeyHeader, t.APIKey)
	return DialAndWait(ctx, t.SocketURL(q), h, opts)
}

// DialAndWait dials url with header and waits up to the timeout for the
// first frame; ok is true when it is session_started.
func DialAndWait(ctx context.Context, url string, header http.Header, opts Options) (conn *Conn, first Frame, ok bool) {
	opts = opts.WithDefaults()
	dctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	conn = Dial(dctx, url, header, opts.CloseWait)
	conn.SetRedactor(opts.Redactor)
	if !conn.Upgraded() {
		return conn, Frame{}, false
	}
	first, err := conn.Next(dctx)
	if err != nil {
		return conn, Frame{}, false
	}
	return conn, first, first.Type == protocol.SessionStarted
}

// Outcome classifies what the socket has done so far.
func (c *Conn) Outcome() (Outcome, string) { return classify(c.Timeline()) }

// SendAudio sends audio as input_audio_chunk frames of chunkSecs each; the
// last one carries commit when commit is set.
func (c *Conn) SendAudio(ctx context.Context, f protocol.AudioFormat, audio []byte, chunkSecs float64, commit bool) error {
	step := max(f.Bytes(chunkSecs), f.BytesPerSample())
	for off := 0; off < len(audio); off += step {
		end := min(off+step, len(audio))
		if err := c.sendChunk(ctx, audio[off:end], f.SampleRate, commit && end == len(audio)); err != nil {
			return err
		}
	}
	return nil
}

// Commit sends a commit: an input_audio_chunk with no audio and commit true.
func (c *Conn) Commit(ctx context.Context, sampleRate int) error {
	return c.sendChunk(ctx, nil, sampleRate, true)
}

// sendChunk sends the input_audio_chunk of audio (protocol.AppendAudioChunk)
// and records it from what is known of it (chunkFrame), not parsed back:
// ParseFrame scans a frame three times (UTF-8, JSON, the audio field), the
// audio is most of a chunk, and the chunks are most of what a run sends.
// The frame is encoded into a pooled buffer; the record keeps a copy.
func (c *Conn) sendChunk(ctx context.Context, audio []byte, sampleRate int, commit bool) error {
	buf := chunkBufs.Get().(*[]byte)
	b := protocol.AppendAudioChunk((*buf)[:0], audio, sampleRate, commit)
	err := c.send(ctx, websocket.MessageText, b, func(at time.Duration) Frame { return chunkFrame(at, b, len(audio), commit) })
	if cap(b) <= pooledChunkMax {
		*buf = b
		chunkBufs.Put(buf)
	}
	return err
}

// chunkBufs hold the frames sendChunk encodes, up to pooledChunkMax (a
// second of 48 kHz PCM is 128 KiB encoded; a larger one is let go).
var chunkBufs = sync.Pool{New: func() any { return new([]byte) }}

const pooledChunkMax = 256 << 10

// chunkFrame is the Frame ParseFrame makes of the chunk b of audioBytes of
// audio (AppendAudioChunk's): a JSON object of type input_audio_chunk, its
// audio as long as base64 makes it (base64 needs no escaping), its commit
// known.
func chunkFrame(at time.Duration, b []byte, audioBytes int, commit bool) Frame {
	return Frame{At: at, Raw: string(b), Type: protocol.InputAudioChunk, audioChars: 1 + base64.StdEncoding.EncodedLen(audioBytes), commit: commitOf(commit)}
}

// Ping sends a WebSocket ping and waits for the pong, at most pingWait and
// not past the end of the socket: the pong is read by the socket's reader,
// so once that has ended no pong can come (a run under load hung here for
// its whole 120 s when a socket was cut).
func (c *Conn) Ping(ctx context.Context) error {
	if c.ws == nil {
		return fmt.Errorf("not connected")
	}
	ctx, cancel := context.WithTimeout(ctx, pingWait)
	defer cancel()
	go func() {
		select {
		case <-c.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := c.ws.Ping(ctx); err != nil {
		return fmt.Errorf("no pong: %w", err)
	}
	return nil
}

// pingWait bounds the wait for a pong, as Options.Timeout's default bounds
// the wait for a frame.
const pingWait = 10 * time.Second

// BarrierType is the message_type of the barrier frame: no such type exists,
// so a server answers input_error (O) after handling everything sent before.
const BarrierType = "scribecheck_barrier"

// Barrier sends a frame the server must answer with input_error and returns
// the unread frames received before that answer, without consuming them. It
// proves what has NOT been sent without waiting on a clock, for a server that
// answers frames in order (the fake does; a real server's transcription is
// asynchronous, so absence there is only as of the barrier).
func (c *Conn) Barrier(ctx context.Context) ([]Frame, error) {
	c.mu.Lock()
	sent := c.barriersSentLocked() // answers to earlier barriers (even late ones) are not ours
	c.mu.Unlock()
	if err := c.Send(ctx, map[string]string{protocol.MessageTypeField: BarrierType}); err != nil {
		before, _ := c.pending(ctx, 1<<30) // the socket is gone: what came before it
		return before, err
	}
	return c.pending(ctx, sent)
}

// IsBarrierAnswer tells the server's answer to a Barrier frame.
func IsBarrierAnswer(f Frame) bool { return isBarrierAnswer(f) }

func isBarrierAnswer(f Frame) bool {
	return f.Type == protocol.ErrInput && f.Get("error").String() == protocol.UnexpectedMessageTypePrefix+BarrierType
}

// WaitClosed waits until the server closes the socket (or ctx ends) and
// returns every frame received meanwhile, and the close.
func (c *Conn) WaitClosed(ctx context.Context) ([]Frame, *Close) {
	var got []Frame
	for {
		f, err := c.Next(ctx)
		if err != nil {
			tl := c.Timeline()
			if tl.Close != nil && !tl.Close.ByUs {
				return got, tl.Close
			}
			return got, nil
		}
		got = append(got, f)
	}
}

// SendBinary sends a binary frame.
func (c *Conn) SendBinary(ctx context.Context, b []byte) error {
	return c.SendRaw(ctx, websocket.MessageBinary, b)
}

// SendText sends a text frame as it is, JSON or not.
func (c *Conn) SendText(ctx context.Context, s string) error {
	return c.SendRaw(ctx, websocket.MessageText, []byte(s))
}
