package protocol_test

import (
	"fmt"
	"net/url"

	"github.com/scribecheck/scribecheck/protocol"
)

// CheckQuery is the one picture of a valid socket query: the fake refuses on
// it, and scribecheck's client rules and URL lint read the same problems.
// Here a URL copied from a home-made client: an old model name (refused with
// invalid_request, then close 1008), a key the server ignores, and a boolean
// spelled as videosdk spells it (accepted, but not as the docs write it).
func ExampleCheckQuery() {
	u, _ := url.Parse("wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_realtime_v2&sample_rate=16000&include_timestamps=True")
	_, problems := protocol.CheckQuery(u.Query(), protocol.FaithfulRules())
	for _, p := range problems {
		fmt.Printf("refused=%t %s: %s\n", p.Refused, p.Param, p.Text)
	}
	if first, ok := protocol.FirstRefusal(problems); ok {
		fmt.Println("invalid_request:", first.Refusal)
	}
	// Output:
	// refused=false sample_rate: sample_rate is an old or home-made name: use audio_format=pcm_<rate> (the rate is part of audio_format)
	// refused=true model_id: model_id=scribe_realtime_v2 is the old name (before 2025-11-11), refused today: use scribe_v2_realtime
	// refused=false include_timestamps: include_timestamps=True is read as true, but the docs write booleans only as true and false: whether the live server reads True so is unconfirmed
	// invalid_request: model_id "scribe_realtime_v2" is not supported; use one of scribe_v2_realtime, scribe_v2_realtime_turbo, scribe_v2_realtime_lite, scribe_v3_live
}

// AppendAudioChunk writes the frame a client sends for each piece of audio,
// as the SDKs send it; a commit is the same frame with no audio.
func ExampleAppendAudioChunk() {
	var buf []byte
	pcm := []byte{0x00, 0x01, 0xff, 0x7f} // two 16-bit samples
	buf = protocol.AppendAudioChunk(buf[:0], pcm, 16000, false)
	fmt.Println(string(buf))
	buf = protocol.AppendAudioChunk(buf[:0], nil, 16000, true)
	fmt.Println(string(buf))
	// Output:
	// {"message_type":"input_audio_chunk","audio_base_64":"AAH/fw==","commit":false,"sample_rate":16000}
	// {"message_type":"input_audio_chunk","audio_base_64":"","commit":true,"sample_rate":16000}
}
