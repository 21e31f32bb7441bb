package fakeserver_test

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/protocol"
)

// A test of a Scribe client starts a fake, points the client at it and reads
// what came back and what the client sent. Here the client is a few lines of
// coder/websocket: it opens a session on a minted single-use token, sends two
// seconds of speech, commits and reads the committed transcript.
func Example() {
	mem := fakeserver.NewMemory()
	srv, err := fakeserver.NewServer(fakeserver.Options{Record: mem.Recording()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	token, err := srv.MintToken(protocol.TokenRealtimeScribe)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, srv.SocketURL(url.Values{protocol.TokenParam: {token}}), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.CloseNow()

	format, _ := protocol.ParseAudioFormat("pcm_16000")
	chunk := protocol.AppendAudioChunk(nil, format.Speech(2), format.SampleRate, true)
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		switch t := gjson.GetBytes(data, "message_type").String(); t {
		case protocol.SessionStarted:
			fmt.Println(t)
			if err := conn.Write(ctx, websocket.MessageText, chunk); err != nil {
				fmt.Println(err)
				return
			}
		case protocol.CommittedTranscript:
			fmt.Printf("%s: %q\n", t, gjson.GetBytes(data, "text").String())
			_ = conn.Close(websocket.StatusNormalClosure, "")
			c := mem.Connections()[0]
			fmt.Printf("recorded connections: %d; upgrade: %d; client frames: %d\n", len(mem.Connections()), c.Status, fromClient(c))
			return
		}
	}
	// Output:
	// session_started
	// committed_transcript: "Foxtrot golf oscar echo."
	// recorded connections: 1; upgrade: 101; client frames: 1
}

func fromClient(c fakeserver.Connection) int {
	n := 0
	for _, f := range c.Frames {
		if f.FromClient {
			n++
		}
	}
	return n
}
