// Package fakeserver is a local stand-in for the Scribe v2 Realtime API: it
// mints single-use tokens, authenticates the realtime socket the way the live
// server does (docs/protocol.md §3), and runs enough of a session to prove an auth
// path works end to end.
//
// Where docs/protocol.md marks a behaviour unconfirmed (U), the fake makes a named
// choice; Choices lists them and `scribecheck fake --help` prints them. Named
// faults (Faults) make it misbehave the way a broken server would, so every
// check can be shown to fail. All its timers run on an injectable Clock.
package fakeserver
