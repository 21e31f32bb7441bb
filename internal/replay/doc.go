// Package replay serves a recorded session (a wire-log folder, or one
// conn-NNNN.jsonl) as a scripted fake server, and reports where a client
// diverges from the recording. A session captured once against the live API
// becomes an offline regression test for an app or a new SDK version.
//
// What is matched with what:
//
//   - Sockets: the n-th socket the client opens is the n-th recorded
//     connection on the realtime path, in the order wirelog.ReadDir returns
//     them. A socket beyond the recording is an "extra" divergence; it is
//     upgraded and closed at once with 1008 and a reason that says so (a
//     browser sees a close reason, never an HTTP status), or answered 503
//     when it is no upgrade request.
//   - Token requests: the n-th POST /v1/single-use-token/{type} is answered
//     with the n-th recorded one (exchanges.jsonl), with its status; a
//     recorded token in the body is replaced by a fresh sutkn_replay_… so
//     that SDKs work. Anything else is 404 with a body saying this is a
//     replay.
//
// The handshake is compared with the recorded request:
//
//   - the path, exactly;
//   - the query per name, not across names: the order of different names
//     does not matter (servers read the query as a map, and SDKs build it
//     from objects), but the values of a repeated name are compared as a
//     list, in order (keyterms=a&keyterms=b is not keyterms=b&keyterms=a);
//   - credentials (token, single_use_token, xi-api-key, api_key, … in the
//     query; the xi-api-key and Authorization headers) by SHAPE only (token,
//     api_key, placeholder, empty, other), since a live credential is never
//     equal to the recording's redacted one; and by origin where the
//     recording says it: a token minted by the n-th token request, or the same
//     value as on an earlier connection (token reuse), must be so again.
//
// Then the recorded answer is given: a status other than 101 is answered as
// such (no upgrade); 101 upgrades and the frames are walked in order. A server
// frame is sent with the opcode it had (a text frame that is not UTF-8 as
// text, although the log keeps it as base64) after its recorded gap from the
// previous record, divided by Options.Speed, counted from when the previous
// record was played or received.
//
// The client's audio is compared as a stream, not chunk by chunk: an SDK
// that sends the same audio in chunks of another size, or puts the commit on
// its last audio chunk instead of an empty chunk after it, sends the same
// stream. An audio chunk is a text frame of a JSON object whose
// audio_base_64 is a string of base64 (a clipped recorded frame is none);
// the chunks are cut into segments by their commits (commit:true), and the
// n-th segment the client sends is compared with the recording's n-th:
//
//   - the audio by its decoded length, not its bytes (the app may stream
//     other audio of the same length): a segment shorter or longer than the
//     recording's is an "audio" divergence at the recorded commit, which says
//     by how much and where in the recorded audio the difference starts, in
//     seconds at the recording's audio_format (pcm_16000 when it names none).
//     Too little audio and a commit too early read the same at that commit;
//     commits are compared in order, so an early commit makes the next
//     segment longer. The audio after the recording's last commit is compared
//     when the recorded frames are done: a commit there, or more audio, is an
//     "audio" divergence;
//   - the chunks' other fields (message_type, sample_rate, previous_text,
//     whether commit is there at all, anything else) per segment: a run of
//     chunks with the same fields counts once, and the n-th run must carry
//     the fields of the recording's n-th run. So previous_text must be on the
//     first chunk and sample_rate on every one, whatever the chunk size; how
//     many chunks a run has (previous_text on the first two half-size chunks
//     where the recording had one chunk) is the chunking, and not compared.
//     The first difference in a segment is a "frame" divergence; the rest of
//     that segment's fields are not compared.
//
// Pacing: a recorded audio chunk has come when the client's audio of its
// segment reaches the end of that chunk, whatever chunks it came in (half of
// it does not let the replay go on; one chunk of twice the size covers two
// recorded chunks, and the server frame between them is played without
// waiting for more); a recorded commit has come with the client's commit; a
// client that committed the segment has sent all it will of it. A recorded
// chunk with no audio (a keepalive) waits for a chunk of the client's,
// unless the client's audio is already past its place. A client frame that
// is no audio chunk where the recording has audio is a "frame" divergence,
// and the wait for the audio goes on.
//
// Other client frames (binary, not JSON, JSON that is no audio chunk) are
// awaited in order, one for one: their kind (text or binary), and for JSON
// every field, are compared; the order of fields is not. A differing frame
// is a "frame" divergence and takes the recorded frame's place: the replay
// goes on (an audio chunk sent in such a frame's place still counts in the
// client's audio).
//
// A recorded client frame that does not come within Options.WaitClient is a
// "missing" divergence (for audio it says how far the client's audio came,
// or that the audio came but the commit did not). The replay then stops
// waiting for client frames (it would otherwise wait WaitClient for each of
// possibly hundreds of audio chunks): it takes a client frame when one is
// already there and skips the slot when none is, and it goes on playing the
// server frames with their timing, so the client still sees the rest of the
// session and its close. The one divergence counts the slots skipped. Client
// frames after the recording's last frame are "extra" divergences.
//
// The end: a close by the server is replayed with its code and reason; a
// close by the client is awaited (up to WaitClient) and its code compared; a
// cut closes the TCP connection without a close frame. A recording that ends
// while its connection is open (wirelog.RecordingEnded, or no close record)
// has an open end: the replay waits up to WaitClient for the client to close,
// then closes with 1001; what the client sends meanwhile is not compared,
// since the recording does not know it. A client that closes or vanishes
// before the recording's frames are done is a "close" divergence ("closed
// after frame k of n"), except when the recording ends with a client close
// and the client has sent what remains of its recorded frames (audio it sent
// in larger chunks): the server frames left crossed the client's close on the
// wire.
//
// Reports never hold a credential the client sent: credentials show as their
// shape, and every value learnt from a credential position is redacted from
// frame texts by value.
package replay
