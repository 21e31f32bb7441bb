// Package sdks runs the official ElevenLabs SDKs, pinned, against the fake
// and grades what they do: what each version sends (the CLIENT rules on its
// own connections) and how it copes with every frame a server can send (the
// SDK-* specs). The SDKs are pinned beside this file as a Node project
// (node/) and Python lock files (python/); the binary carries them and
// Setup installs them into the user's cache folder (DefaultDir). Each is
// driven by a small program that uses only the SDK's public API and prints
// every event the SDK surfaced as JSON lines (README.md has the contract).
package sdks
