package servercheck

import (
	"fmt"

	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// FrameClass is how SCHEMA-1 grades one frame a server sent.
type FrameClass int

const (
	// Valid: the frame has its schema's fields and nothing else.
	Valid FrameClass = iota
	// Invalid: not a protocol message, or a documented frame off its schema
	// (MUST).
	Invalid
	// InvalidShould: a warning or a newest-contract frame off its schema
	// (those rest on observation or on the generated contract: SHOULD).
	InvalidShould
	// Undocumented: undocumented fields or an undocumented message type.
	Undocumented
	// Unconfirmed: a final_transcript frame off its old schema; the 2.78.0
	// contract dropped those types, so this is only an observation.
	Unconfirmed
)

// ClassifyFrame grades a received frame against its schema and says why,
// with the frame clipped, in one line.
func ClassifyFrame(s *protocol.Schemas, f probes.Frame) (FrameClass, string) {
	if f.ParseErr != "" {
		return Invalid, fmt.Sprintf("%s: %s", f.ParseErr, clip(f.Raw, 120))
	}
	res := s.ValidateFrame([]byte(f.Raw))
	line := fmt.Sprintf("%s: %s", res, clip(f.Raw, 120))
	switch t := f.Type; {
	case res.Fit == protocol.SchemaUndocumented:
		return Undocumented, line
	case res.Fit != protocol.SchemaInvalid:
		return Valid, line
	case t == protocol.FinalTranscript || t == protocol.FinalTranscriptWithTimestamps:
		return Unconfirmed, line
	case protocol.IsContract(t) || t == protocol.Warning:
		return InvalidShould, line
	}
	return Invalid, line
}
