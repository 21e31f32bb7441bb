package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// openIdle opens n sessions that send nothing after their session_started,
// the state whose memory the idle figure is. They stay open until the
// returned function closes them.
func openIdle(ctx context.Context, base, key string, n int) (func(), error) {
	u := probes.Target{BaseURL: base}.SocketURL(url.Values{"model_id": {protocol.DefaultModel}})
	h := http.Header{protocol.APIKeyHeader: {key}}

	conns := make([]*websocket.Conn, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 64) // dial in waves: a SYN flood is not the figure
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
			if err != nil {
				errs <- err
				return
			}
			if _, _, err := c.Read(ctx); err != nil {
				errs <- fmt.Errorf("no session_started: %w", err)
				_ = c.CloseNow()
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	closeAll := func() {
		for _, c := range conns {
			if c != nil {
				_ = c.CloseNow()
			}
		}
	}
	select {
	case err := <-errs:
		closeAll()
		return nil, fmt.Errorf("open %d idle sessions: %w", n, err)
	default:
	}
	return closeAll, nil
}
