package fakeserver

import "github.com/scribecheck/scribecheck/protocol"

// settings are the fake's decisions that a fault may flip, once, when the
// server is built. defaultSettings is the faithful server.
type settings struct {
	session   SessionOptions
	readLimit int64
	// minCommitSecs of uncommitted audio a client commit needs (O: 0.3 s).
	minCommitSecs float64
	params        paramRules
	previousText  previousTextRules
	// pingsResetIdle: a WebSocket ping restarts the idle timer (O: it does not).
	pingsResetIdle bool
	// mintChecksPermission: realtime_scribe needs the speech_to_text permission.
	mintChecksPermission bool
	neverExpire          bool // tokens outlive their 15 minutes
	neverConsume         bool // tokens can be used again
	// hearRegionLanguages: en-US and the like transcribe (O: they never do).
	hearRegionLanguages bool
	// chunkTypeOptional: a frame without message_type is an input_audio_chunk
	// (choice chunk-without-message-type, switched to accepted).
	chunkTypeOptional bool
	// endpointer decides where vad mode commits.
	endpointer func(silenceSecs float64) endpointer
}

func defaultSettings(o Options) settings {
	readLimit := o.ReadLimit
	if readLimit == 0 {
		readLimit = DefaultReadLimit
	}
	return settings{
		session:              o.Session.withDefaults(),
		readLimit:            readLimit,
		minCommitSecs:        protocol.MinCommitSeconds,
		params:               faithfulParams(),
		previousText:         previousTextRules{laterRefused: true},
		mintChecksPermission: true,
		endpointer:           silenceEndpointer,
	}
}

// paramRules is how the query string is read: the rules of validity
// (protocol.CheckQuery's, which a deviation or a calibration changes) and
// how a valid value is echoed.
type paramRules struct {
	protocol.QueryRules
	foldLanguage bool // ISO 639-3 codes are echoed as ISO 639-1 (O)
}

func faithfulParams() paramRules {
	return paramRules{QueryRules: protocol.FaithfulRules(), foldLanguage: true}
}

// previousTextRules say where previous_text may come (D: only with the first
// chunk; S: null on every chunk is what the Python SDK sends).
type previousTextRules struct {
	firstRefused bool // even the first chunk may not carry it
	laterRefused bool // a later chunk may not carry it
	nullCounts   bool // a null previous_text counts as one
}
