package sdks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/protocol"
)

// Outcome is how an SDK handled one scenario, as the app saw it.
type Outcome string

const (
	// OwnEvent: the SDK surfaced the frame as its own, specific event.
	OwnEvent Outcome = "event"
	// GenericError: surfaced, but only as a generic error event.
	GenericError Outcome = "generic error"
	// Dropped: the app heard nothing of it.
	Dropped Outcome = "dropped"
	// Crashed: an uncaught exception, or the driver died.
	Crashed Outcome = "crashed"
	// Session: an auth scenario opened a session and a transcript came.
	Session Outcome = "session"
	// Refused: an auth scenario's refusal reached the app as auth_error.
	Refused Outcome = "auth_error event"
	// Unsupported: this version has no API for the scenario.
	Unsupported Outcome = "unsupported"
	// NoSession: an auth scenario that should have opened a session did not.
	NoSession Outcome = "no session"
	// NotRun: the scenario never ended (the driver stopped before it).
	NotRun Outcome = "not run"
	// CloseNoCode: the close reached the app, without its code.
	CloseNoCode Outcome = "close event, code lost"
	// TextLost: an error frame reached the app as an error, but no event
	// the app got carries the frame's text (its error field): the client
	// read another field, or told only of the close that followed.
	TextLost Outcome = "error, text lost"
	// KeptAlive: the session outlived a silence longer than the server's
	// idle timeout: a committed transcript came after it, on the one
	// connection.
	KeptAlive Outcome = "kept alive"
	// Reconnected: the committed transcript after the silence came on a new
	// connection the client opened: the audio sent before the silence,
	// uncommitted on the connection the server closed, is lost.
	Reconnected Outcome = "reconnected"
	// LostInSilence: no committed transcript came after the silence: the
	// session did not outlive it.
	LostInSilence Outcome = "lost in silence"
)

// Classify says how the SDK handled a scenario, with the events that show
// it. An error frame that reached the app as an error (its own event, a
// generic one, an auth_error) without its text is TextLost: an app cannot
// tell the user why.
func Classify(run Run, sc Scenario) (Outcome, string) {
	got, why := reaction(run, sc)
	if sc.ErrorText == "" || got != OwnEvent && got != GenericError && got != Refused {
		return got, why
	}
	evs := run.Events[sc.Name]
	if sc.Auth == "token-reuse" {
		evs = attempt(evs, 2)
	}
	for _, ev := range evs {
		if strings.Contains(string(ev.Data), sc.ErrorText) || strings.Contains(ev.Error, sc.ErrorText) {
			return got, why
		}
	}
	return TextLost, fmt.Sprintf("reached the app as %s, but the frame's text %q is in no event: %s", got, sc.ErrorText, why)
}

// reaction is how the app heard of a scenario, its text aside.
func reaction(run Run, sc Scenario) (Outcome, string) {
	evs := run.Events[sc.Name]
	if !run.Ended[sc.Name] {
		if len(evs) > 0 {
			return Crashed, "the driver ended inside this scenario: " + lastEvents(evs, 4)
		}
		return NotRun, "the driver never reached this scenario"
	}
	for _, ev := range evs {
		switch ev.Event {
		case "_crash":
			return Crashed, "uncaught: " + ev.Error
		case "_unsupported":
			return Unsupported, ev.Reason
		}
	}
	switch {
	case sc.Auth == "token-reuse":
		return refusal(attempt(evs, 2))
	case sc.Pause > 0:
		return silence(run, sc)
	case sc.BadKey:
		return refusal(evs)
	case sc.Inject == "":
		if has(evs, protocol.SessionStarted) && has(evs, protocol.CommittedTranscript) {
			return Session, "session_started and committed_transcript surfaced"
		}
		return NoSession, lastEvents(evs, 6)
	case sc.Inject == InjectClose:
		for _, ev := range evs {
			if norm(ev.Event) == "close" && strings.Contains(string(ev.Data), fmt.Sprint(unusualClose)) {
				return OwnEvent, fmt.Sprintf("%s with %s", ev.Event, text.Clip(string(ev.Data), 120))
			}
		}
		if o, why := generic(evs); o != Dropped {
			return o, why
		}
		for _, ev := range evs {
			if norm(ev.Event) == "close" {
				return CloseNoCode, fmt.Sprintf("%s with %s: the app cannot tell 1013 from a normal close", ev.Event, text.Clip(string(ev.Data), 80))
			}
		}
		return Dropped, "events seen: " + names(evs)
	case sc.Inject == InjectUnknown || sc.Inject == InjectNotJSON:
		return generic(evs)
	}
	for _, ev := range evs {
		if specific(ev.Event, sc.Inject) {
			return OwnEvent, fmt.Sprintf("%s: %s", ev.Event, text.Clip(string(ev.Data), 120))
		}
	}
	return generic(evs)
}

// generic finds a generic error event the SDK emitted, else Dropped. The
// driver's own calls that throw afterwards (a send on a socket the server
// closed) are not the SDK telling the app about the frame.
func generic(evs []Event) (Outcome, string) {
	for _, ev := range evs {
		if norm(ev.Event) == "error" {
			return GenericError, fmt.Sprintf("%s: %s", ev.Event, text.Clip(string(ev.Data), 120))
		}
	}
	return Dropped, "events seen: " + names(evs)
}

// silence says whether the session outlived the scenario's pause: what the
// app heard after the driver's _paused line, and on how many connections
// the fake saw the scenario (a client that reconnects on its own prints no
// _connect; the fake's wire logs show it).
func silence(run Run, sc Scenario) (Outcome, string) {
	evs := run.Events[sc.Name]
	at := slices.IndexFunc(evs, func(ev Event) bool { return ev.Event == "_paused" })
	if at < 0 {
		return NoSession, "the app never reached the silence: " + lastEvents(evs, 6)
	}
	after := evs[at+1:]
	conns := 0
	for _, s := range run.ConnScenario {
		if s == sc.Name {
			conns++
		}
	}
	pause := text.Seconds(time.Duration(evs[at].MS) * time.Millisecond)
	switch {
	case !transcribed(after):
		return LostInSilence, fmt.Sprintf("no committed_transcript after the %s silence; up to it: %s; after it: %s",
			pause, text.Clip(names(evs[:at]), 200), cmp.Or(lastEvents(after, 3), "nothing"))
	case conns > 1:
		return Reconnected, fmt.Sprintf("the committed_transcript after the %s silence came on a new connection (%d in all): the audio sent before the silence is lost; up to it: %s",
			pause, conns, text.Clip(names(evs[:at]), 200))
	}
	if conns == 0 {
		return KeptAlive, fmt.Sprintf("committed_transcript after the %s silence (no connection recorded)", pause)
	}
	return KeptAlive, fmt.Sprintf("committed_transcript after the %s silence, on the one connection", pause)
}

// finalNames are the events by which the Node drivers that print their
// client's own names tell the app of a committed transcript
// (drive-livekit.mjs, drive-ai-sdk.mjs); every other driver prints
// committed_transcript, or its SDK's event of that name.
var finalNames = []string{"SpeechEventType.FINAL_TRANSCRIPT", "transcript-final"}

// transcribed reports whether the app got a committed transcript.
func transcribed(evs []Event) bool {
	return has(evs, protocol.CommittedTranscript) || slices.ContainsFunc(evs, func(ev Event) bool { return slices.Contains(finalNames, ev.Event) })
}

func refusal(evs []Event) (Outcome, string) {
	for _, ev := range evs {
		if specific(ev.Event, protocol.ErrAuth) {
			return Refused, fmt.Sprintf("%s: %s", ev.Event, text.Clip(string(ev.Data), 120))
		}
	}
	if has(evs, protocol.SessionStarted) {
		return Session, "a session opened: the refusal never came"
	}
	return generic(evs)
}

// attempt returns the events of the nth connect of a scenario.
func attempt(evs []Event, n int) []Event {
	var out []Event
	cur := 1
	for _, ev := range evs {
		if ev.Event == "_connect" {
			cur = max(ev.Attempt, 1)
		}
		if cur == n {
			out = append(out, ev)
		}
	}
	return out
}

// specific reports whether an SDK event name is the event of a message
// type: the same name, or the name with _error (unaccepted_terms_error), in
// any case or separator style.
func specific(event, messageType string) bool {
	e, t := norm(event), norm(messageType)
	return e == t || e == t+"error" || e+"error" == t
}

func has(evs []Event, messageType string) bool {
	for _, ev := range evs {
		if specific(ev.Event, messageType) {
			return true
		}
	}
	return false
}

func norm(s string) string {
	return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
}

// names lists the events by name, a run of one name once with its count
// (input_error ×20).
func names(evs []Event) string {
	var n []string
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && evs[j].Event == evs[i].Event {
			j++
		}
		if j-i > 1 {
			n = append(n, fmt.Sprintf("%s ×%d", evs[i].Event, j-i))
		} else {
			n = append(n, evs[i].Event)
		}
		i = j
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

func lastEvents(evs []Event, k int) string {
	if len(evs) > k {
		evs = evs[len(evs)-k:]
	}
	var out []string
	for _, ev := range evs {
		s := ev.Event
		if ev.Error != "" {
			s += " " + ev.Error
		} else if len(ev.Data) > 0 {
			s += " " + string(ev.Data)
		}
		out = append(out, text.Clip(s, 100))
	}
	return strings.Join(out, "; ")
}
