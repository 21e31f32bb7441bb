package proxy_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/proxy"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// echoServer answers every message with itself: the round trip is the
// latency of the path, with no server work in it.
func echoServer(b *testing.B) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.SetReadLimit(1 << 20)
		ctx := context.Background()
		for {
			typ, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			if c.Write(ctx, typ, b) != nil {
				return
			}
		}
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// roundTrips sends b.N frames of 100 ms of 16 kHz audio (as the SDKs send
// them) one at a time and reports the p50 and p99 round trip.
func roundTrips(b *testing.B, base string) {
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/v1/speech-to-text/realtime", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	frame := chunk(0.1, false)
	samples := make([]time.Duration, 0, b.N)
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := c.Write(ctx, websocket.MessageText, frame); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2].Microseconds()), "p50-µs/frame")
	b.ReportMetric(float64(samples[min(len(samples)-1, len(samples)*99/100)].Microseconds()), "p99-µs/frame")
}

// BenchmarkDirect is the baseline: the client talks to the server.
func BenchmarkDirect(b *testing.B) { roundTrips(b, echoServer(b)) }

// BenchmarkThroughProxy is the same path with the recording proxy in the
// middle, writing every frame (both ways) to its wire log.
func BenchmarkThroughProxy(b *testing.B) {
	set, err := wirelog.NewSet(b.TempDir(), secrets.New())
	if err != nil {
		b.Fatal(err)
	}
	p, err := proxy.New(proxy.Options{Upstream: echoServer(b), Set: set})
	if err != nil {
		b.Fatal(err)
	}
	base, err := p.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = p.Close(); _ = set.Close() }()
	roundTrips(b, base)
}
