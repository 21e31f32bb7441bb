package clientcheck

import (
	"fmt"
	"strings"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// unconfirmed: CLIENT-19, what a connection depends on that the live server
// has not confirmed. Each is a switchable choice of the fake: the finding
// names the fake's position, what live may do instead, and the switch that
// runs the app in that world.
func unconfirmed(v *view) Finding {
	var relies []string
	var idxs []int
	var bools []string
	for _, p := range v.problems {
		if p.Kind == protocol.ProblemBoolSpelling {
			bools = append(bools, p.Param+"="+p.Value)
		}
	}
	if len(bools) > 0 {
		relies = append(relies, fmt.Sprintf("booleans written %s, which the fake reads (%s); live may refuse them with invalid_request and close 1008 (%s)",
			strings.Join(bools, ", "), position(fakeserver.ChoiceBoolCapitals, fakeserver.PositionRead), switchTo(fakeserver.ChoiceBoolCapitals, fakeserver.PositionRefused)))
	}
	var untyped, empty []clientFrame
	for i, c := range v.client {
		switch {
		case !c.isJSON:
		case !c.msg.Get(protocol.MessageTypeField).Exists() && !c.msg.Get("type").Exists() && c.msg.Get("audio_base_64").Exists():
			untyped = append(untyped, c)
		// An empty chunk that is no commit and carries no previous_text
		// (LiveKit's first chunk), after the first frame: a keepalive.
		case c.chunk && c.audio == 0 && !c.commit && i > 0 && !c.msg.Get("previous_text").Exists():
			empty = append(empty, c)
		}
	}
	if len(untyped) > 0 {
		idxs = append(idxs, untyped[0].idx)
		relies = append(relies, fmt.Sprintf("%s without message_type (first %s), which the fake refuses as no protocol message (%s, CLIENT-5); live may take them as audio (%s)",
			text.Plural(len(untyped), "input_audio_chunk", "input_audio_chunks"), where(untyped[0].rec, untyped[0].idx),
			position(fakeserver.ChoiceChunkNoType, fakeserver.PositionRefused), switchTo(fakeserver.ChoiceChunkNoType, fakeserver.PositionAccepted)))
	}
	if headerBesideToken(v.log.Request.Credentials) {
		relies = append(relies, fmt.Sprintf("an xi-api-key header beside ?token=: the fake lets the token decide, so a spent or bad token is refused though the key is good (%s); live may fall back to the header (%s)",
			position(fakeserver.ChoiceHeaderBesideToken, fakeserver.PositionToken), switchTo(fakeserver.ChoiceHeaderBesideToken, fakeserver.PositionFallback)))
	}
	if len(empty) > 0 {
		idxs = append(idxs, empty[0].idx)
		relies = append(relies, fmt.Sprintf("%s with no audio and no commit as keepalives (first %s), which restart the fake's idle timer (%s); live may count only audio and close ~15.5 s after the last (%s)",
			text.Plural(len(empty), "input_audio_chunk", "input_audio_chunks"), where(empty[0].rec, empty[0].idx),
			position(fakeserver.ChoiceEmptyChunkKeepalive, fakeserver.PositionRestarts), switchTo(fakeserver.ChoiceEmptyChunkKeepalive, fakeserver.PositionIgnored)))
	}
	if len(relies) == 0 {
		return pass(RuleUnconfirmed, v, fmt.Sprintf("%s depends on none of the answers live has not confirmed.", v.id))
	}
	return broken(RuleUnconfirmed, v, idxs, fmt.Sprintf("%s depends on what live has not confirmed: %s.", v.id, strings.Join(relies, "; ")), frameLines(v.log, idxs, 2))
}

func position(choice, pos string) string { return "the fake's " + choice + "=" + pos }
func switchTo(choice, pos string) string {
	return "--fake-choice " + choice + "=" + pos + " runs that world"
}

// headerBesideToken: the request carried both an xi-api-key header and ?token=.
func headerBesideToken(creds []wirelog.Credential) bool {
	header, token := false, false
	for _, c := range creds {
		k, query := c.QueryKey()
		header = header || c.Where == wirelog.WhereKeyHeader
		token = token || query && k == protocol.TokenParam
	}
	return header && token
}
