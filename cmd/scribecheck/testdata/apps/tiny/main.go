// Command tiny is the smallest well-behaved app for `scribecheck client`:
// it mints a token with ELEVENLABS_API_KEY at SCRIBECHECK_BASE_URL, opens
// one session on it, streams a second of speech in 100 ms chunks, commits
// on the last, and closes once the committed transcript came. It needs no
// runtime but itself, so a test can run it from any folder.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tiny app:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
		os.Getenv("SCRIBECHECK_BASE_URL")+protocol.SingleUseTokenPath+protocol.TokenRealtimeScribe, nil)
	req.Header.Set(protocol.APIKeyHeader, os.Getenv("ELEVENLABS_API_KEY"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	var minted struct{ Token string }
	err = json.NewDecoder(resp.Body).Decode(&minted)
	resp.Body.Close()
	if err != nil || minted.Token == "" {
		return fmt.Errorf("no token (HTTP %d): %v", resp.StatusCode, err)
	}
	q := url.Values{protocol.ParamModelID: {protocol.DefaultModel}, protocol.TokenParam: {minted.Token}}
	c, _, err := websocket.Dial(ctx, os.Getenv("SCRIBECHECK_WS_URL")+protocol.RealtimePath+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	defer c.CloseNow()
	format, _ := protocol.ParseAudioFormat("pcm_16000")
	speech := format.Speech(1)
	step := len(speech) / 10
	for i := 0; i < 10; i++ {
		chunk, _ := json.Marshal(protocol.AudioChunk{MessageType: protocol.InputAudioChunk, Commit: i == 9,
			AudioBase64: base64.StdEncoding.EncodeToString(speech[i*step : (i+1)*step]), SampleRate: format.SampleRate})
		if err := c.Write(ctx, websocket.MessageText, chunk); err != nil {
			return err
		}
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return err
		}
		var f struct {
			Type string `json:"message_type"`
		}
		_ = json.Unmarshal(data, &f)
		if f.Type == protocol.CommittedTranscript {
			fmt.Println("tiny app: committed")
			return c.Close(websocket.StatusNormalClosure, "done")
		}
	}
}
