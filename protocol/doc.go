// Package protocol holds the wire vocabulary of ElevenLabs Scribe v2 Realtime
// that both the fake server and the probes speak: paths, message types, query
// parameters and the one check of a query against them (CheckQuery: the fake
// refuses on it, the client checks and the URL lint report from it), token
// types, the texts seen on the live socket, and audio helpers.
//
// It is written from docs/protocol.md (the project's reference of what the real
// wire does), never from the fake or the client, so that neither side can hide
// the other's bug. Each fact carries its evidence level in a comment:
// D documented, O observed live, S what the SDKs do, U unconfirmed.
package protocol
