package fakeserver

// endpointer decides where the server commits in vad mode. It sees the audio
// as 20 ms analysis frames, voiced or not.
type endpointer interface {
	// frame reports whether the segment ends after this analysis frame.
	frame(voiced bool, secs float64) bool
	// chunkEnd reports whether the segment ends where a chunk ends.
	chunkEnd() bool
	// reset starts a new segment.
	reset()
}

// silenceEndpointer commits once vad_silence_threshold_secs of silence follow
// speech (D). The trailing segment stays open until then (O). Choice
// vad-segment-end: the silence belongs to the segment it ends.
func silenceEndpointer(thresholdSecs float64) endpointer {
	return &silence{threshold: thresholdSecs}
}

type silence struct {
	threshold float64
	speech    bool    // the segment has speech
	quiet     float64 // seconds of silence since the last speech
}

func (s *silence) frame(voiced bool, secs float64) bool {
	switch {
	case voiced:
		s.speech, s.quiet = true, 0
	case s.speech:
		s.quiet += secs
		return s.quiet >= s.threshold-1e-9
	}
	return false
}

func (s *silence) chunkEnd() bool { return false }

func (s *silence) reset() { s.speech, s.quiet = false, 0 }

// neverEndpointer never commits (a fault's: vad-never-commits).
func neverEndpointer(float64) endpointer { return never{} }

type never struct{}

func (never) frame(bool, float64) bool { return false }
func (never) chunkEnd() bool           { return false }
func (never) reset()                   {}

// eagerEndpointer also commits at the end of every chunk that had speech (a
// fault's: vad-commits-without-silence).
func eagerEndpointer(inner func(float64) endpointer) func(float64) endpointer {
	return func(threshold float64) endpointer { return &eager{inner: inner(threshold)} }
}

type eager struct {
	inner  endpointer
	speech bool
}

func (e *eager) frame(voiced bool, secs float64) bool {
	e.speech = e.speech || voiced
	return e.inner.frame(voiced, secs)
}

func (e *eager) chunkEnd() bool { return e.speech || e.inner.chunkEnd() }

func (e *eager) reset() { e.speech = false; e.inner.reset() }
