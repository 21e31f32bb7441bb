package fakeserver

import (
	"errors"
	"slices"
	"sync"

	"github.com/coder/websocket"
)

// Script is what a session opened with one API key (on the header, or with a
// token that key minted) sends besides its right answers. The SDK matrix
// asks for one per scenario, to see how a client copes with each frame a
// server can send: an error, a warning, a frame of the newest contract, a
// frame no contract has, text that is not JSON, an unusual close.
type Script struct {
	// After is the message type whose first frame the script follows:
	// session_started or committed_transcript.
	After string
	// Frames go out verbatim as text frames; they need not be JSON.
	Frames []string
	// CloseCode, when not 0, closes the socket after the frames.
	CloseCode   int
	CloseReason string
}

// scriptKeys checks the scripts and returns their keys, which the fake
// accepts like the test key.
func scriptKeys(scripts map[string]Script) ([]string, error) {
	var keys []string
	for k, sc := range scripts {
		if len(sc.Frames) == 0 && sc.CloseCode == 0 {
			return nil, errors.New("a script must send a frame or close")
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, nil
}

// scriptWire plays a script once its After frame is out.
type scriptWire struct {
	next wire
	sc   Script

	mu     sync.Mutex
	played bool
}

func (w *scriptWire) Send(batch ...frame) {
	w.mu.Lock()
	play := !w.played && hasFrame(batch, w.sc.After)
	w.played = w.played || play
	w.mu.Unlock()
	w.next.Send(batch...)
	if !play {
		return
	}
	raw := make([]frame, len(w.sc.Frames))
	for i, text := range w.sc.Frames {
		raw[i] = frame{scriptedFrame, rawText(text)}
	}
	w.next.Send(raw...)
	if w.sc.CloseCode != 0 {
		w.next.Close(websocket.StatusCode(w.sc.CloseCode), w.sc.CloseReason)
	}
}

func (w *scriptWire) Close(code websocket.StatusCode, reason string) { w.next.Close(code, reason) }

// scriptedFrame is the Type of a frame a script adds.
const scriptedFrame = "scripted"
