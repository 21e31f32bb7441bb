package fakeserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/bench"
	"github.com/scribecheck/scribecheck/protocol"
)

// BenchmarkSocketFrame writes the load generator's 100 ms chunks over a
// loopback WebSocket, one frame an op, to the fake and to the bare sink
// `scribecheck bench` measures it against (internal/bench), from the same
// client: the fake's cost per frame beside the socket's own. As in the
// bench's ingest figure there are no commits, and the close handshake at
// the end is the barrier: the server has read every frame when it answers.
func BenchmarkSocketFrame(b *testing.B) {
	chunks := fakeserver.LoadFrames(b, protocol.AudioFormat{Name: "pcm_16000", SampleRate: 16000})
	b.Run("sink", func(b *testing.B) {
		srv := httptest.NewServer(bench.Sink())
		defer srv.Close()
		streamFrames(b, "ws"+strings.TrimPrefix(srv.URL, "http")+protocol.RealtimePath, nil, chunks)
	})
	b.Run("fake", func(b *testing.B) {
		srv, err := fakeserver.NewServer(fakeserver.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer srv.Close()
		q := url.Values{protocol.ParamAudioFormat: {"pcm_16000"}, protocol.ParamCommitStrategy: {protocol.CommitManual}}
		streamFrames(b, srv.SocketURL(q), http.Header{protocol.APIKeyHeader: {srv.TestKey()}}, chunks)
	})
}

// streamFrames opens one socket, waits for its first frame
// (session_started), writes b.N chunks while a reader drops what comes
// back, and closes with 1000.
func streamFrames(b *testing.B, u string, h http.Header, chunks [][]byte) {
	ctx := context.Background()
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.CloseNow()
	if _, _, err := conn.Read(ctx); err != nil {
		b.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				return
			}
		}
	}()
	b.SetBytes(int64(len(chunks[0])))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := conn.Write(ctx, websocket.MessageText, chunks[i%len(chunks)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := conn.Close(websocket.StatusNormalClosure, ""); err != nil {
		b.Fatalf("close handshake: %v", err)
	}
	b.StopTimer()
	<-read
}
