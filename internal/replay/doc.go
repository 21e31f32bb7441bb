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
// record was played or received. A client frame is awaited from the client, in order: its
// kind (text or binary), and for JSON every field, are compared; audio_base_64
// is compared by its decoded length, not its bytes; the order of fields is not
// compared. A differing frame is a "frame" divergence and takes the recorded
// frame's place: the replay goes on.
//
// A recorded client frame that does not come within Options.WaitClient is a
// "missing" divergence. The replay then stops waiting for client frames (it
// would otherwise wait WaitClient for each of possibly hundreds of audio
// chunks): it takes a client frame when one is already there and skips the
// slot when none is, and it goes on playing the server frames with their
// timing, so the client still sees the rest of the session and its close. The
// one divergence counts the slots skipped. Client frames after the
// recording's last frame are "extra" divergences.
//
// The end: a close by the server is replayed with its code and reason; a
// close by the client is awaited (up to WaitClient) and its code compared; a
// cut closes the TCP connection without a close frame. A recording that ends
// while its connection is open (wirelog.RecordingEnded, or no close record)
// has an open end: the replay waits up to WaitClient for the client to close,
// then closes with 1001; what the client sends meanwhile is not compared,
// since the recording does not know it. A client that closes or vanishes
// before the recording's frames are done is a "close" divergence ("closed
// after frame k of n"), except when only server frames remain and the
// recording ends with a client close: those crossed the client's close on the
// wire.
//
// Reports never hold a credential the client sent: credentials show as their
// shape, and every value learnt from a credential position is redacted from
// frame texts by value.
package replay
