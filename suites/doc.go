// Package suites holds scribecheck's Ginkgo specs, grouped by area, and runs
// them in process against a target: an in-process fake, the live API, or any
// http(s) URL.
//
// A spec is a Case: a stable ID (AUTH-4), a level (MUST, SHOULD, INFO), one
// requirement sentence, labels, and a body. Cases are plain data, so `list`
// can print them without running anything; Register turns them into Ginkgo
// specs.
package suites
