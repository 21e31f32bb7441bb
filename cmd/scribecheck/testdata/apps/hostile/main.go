// Command hostile is a test app that carries planted secrets the way real
// apps leak them: it mints a token with ELEVENLABS_API_KEY and opens a
// session on it with an Authorization and a Cookie header holding
// HOSTILE_HEADER, streams a second of speech and commits; then it opens a
// second socket with HOSTILE_TOKEN on ?token= and HOSTILE_KEY in the
// xi-api-key header, which a server refuses. It prints no secret itself:
// whatever of them reaches scribecheck's outputs, scribecheck wrote.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/protocol"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base, ws := os.Getenv("SCRIBECHECK_BASE_URL"), os.Getenv("SCRIBECHECK_WS_URL")
	header := os.Getenv("HOSTILE_HEADER")
	token := mint(ctx, base, os.Getenv("ELEVENLABS_API_KEY"))
	h := http.Header{"Authorization": {"Bearer " + header}, "Cookie": {"session=" + header}}
	session(ctx, ws, token, h, true)
	session(ctx, ws, os.Getenv("HOSTILE_TOKEN"), http.Header{protocol.APIKeyHeader: {os.Getenv("HOSTILE_KEY")}}, false)
	fmt.Println("hostile app: done")
}

func mint(ctx context.Context, base, key string) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+protocol.SingleUseTokenPath+protocol.TokenRealtimeScribe, nil)
	req.Header.Set(protocol.APIKeyHeader, key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println("hostile app: mint failed")
		return ""
	}
	defer resp.Body.Close()
	var v struct{ Token string }
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &v)
	fmt.Println("hostile app: mint answered", resp.StatusCode)
	return v.Token
}

// session opens a socket and, when stream is set and a session starts,
// sends a second of speech with a commit and waits for the transcript.
func session(ctx context.Context, ws, token string, h http.Header, stream bool) {
	q := url.Values{protocol.ParamModelID: {protocol.DefaultModel}, protocol.TokenParam: {token}}
	c, _, err := websocket.Dial(ctx, ws+protocol.RealtimePath+"?"+q.Encode(), &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		fmt.Println("hostile app: dial failed")
		return
	}
	defer c.CloseNow()
	format, _ := protocol.ParseAudioFormat("pcm_16000")
	chunk, _ := json.Marshal(protocol.AudioChunk{MessageType: protocol.InputAudioChunk,
		AudioBase64: base64.StdEncoding.EncodeToString(format.Speech(1)), Commit: true, SampleRate: format.SampleRate})
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var f struct {
			Type string `json:"message_type"`
		}
		_ = json.Unmarshal(data, &f)
		switch {
		case f.Type == protocol.SessionStarted && stream:
			_ = c.Write(ctx, websocket.MessageText, chunk)
		case f.Type == protocol.CommittedTranscript || !stream:
			_ = c.Close(websocket.StatusNormalClosure, "")
			return
		}
	}
}
