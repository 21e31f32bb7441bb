package fakeserver

// Server frames as structs, so fields go out in the order the live server
// sends them (message_type first), not in a map's sorted order.

type sessionStartedFrame struct {
	MessageType string     `json:"message_type"`
	SessionID   string     `json:"session_id"`
	Config      wireConfig `json:"config"`
}

type transcriptFrame struct {
	MessageType string `json:"message_type"`
	Text        string `json:"text"`
}

type timestampsFrame struct {
	MessageType  string `json:"message_type"`
	Text         string `json:"text"`
	LanguageCode string `json:"language_code"`
	Words        []word `json:"words"`
	// segmentStart is where the segment starts in the session's audio; it is
	// not sent (a fault's filter reads it).
	segmentStart float64
}

type warningFrame struct {
	MessageType string `json:"message_type"`
	Warning     string `json:"warning"`
}

type entitiesFrame struct {
	MessageType string   `json:"message_type"`
	Text        string   `json:"text"`
	Entities    []entity `json:"entities"`
}

type entity struct {
	Text       string `json:"text"`
	EntityType string `json:"entity_type"`
	StartChar  int    `json:"start_char"`
	EndChar    int    `json:"end_char"`
}

// The newest contract's frames (C).

type redactedFrame struct {
	MessageType  string `json:"message_type"`
	Text         string `json:"text"`
	RedactedText string `json:"redacted_text"`
}

type editedFrame struct {
	MessageType string `json:"message_type"`
	Text        string `json:"text"`
	EditedText  string `json:"edited_text"`
}

type diarizedFrame struct {
	MessageType  string  `json:"message_type"`
	SegmentIndex int     `json:"segment_index"`
	Text         string  `json:"text"`
	Words        []word  `json:"words"`
	segmentStart float64 // not sent, as in timestampsFrame
}

type speakersMergedFrame struct {
	MessageType   string `json:"message_type"`
	FromSpeakerID string `json:"from_speaker_id"`
	ToSpeakerID   string `json:"to_speaker_id"`
}
