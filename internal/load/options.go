package load

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/probes"
)

// Pace is how fast each session streams its audio.
type Pace string

const (
	// Realtime sends one chunk of audio per chunk of wall time.
	Realtime Pace = "realtime"
	// Max sends as fast as the socket takes frames.
	Max Pace = "max"
)

// Auth is how each session authenticates.
type Auth string

const (
	// Header sends the API key in the xi-api-key header.
	Header Auth = "header"
	// Token mints one single-use realtime_scribe token per session and
	// presents it on ?token=.
	Token Auth = "token"
)

// Defaults of Options' zero values.
const (
	DefaultChunkMS      = 100
	DefaultCommitEvery  = 5 * time.Second
	DefaultStartTimeout = 10 * time.Second
	DefaultDrain        = 5 * time.Second
)

// Options say what load to put on which target.
type Options struct {
	// BaseURL is the target's http(s)://host[:port].
	BaseURL string
	// APIKey authenticates every session, or mints its token.
	APIKey string
	// Sessions is how many sessions run at once.
	Sessions int
	// Duration is how long every session is held once all have started.
	Duration time.Duration
	// Pace is Realtime (the default) or Max.
	Pace Pace
	// ChunkMS is the audio per input_audio_chunk, in milliseconds (10-1000).
	ChunkMS int
	// Auth is Header (the default) or Token.
	Auth Auth
	// CommitEvery is how much audio a session sends between commits; at
	// least 0.3 s, the server's minimum for a commit.
	CommitEvery time.Duration
	// Ramp spreads the sessions' starts evenly over this long, and so their
	// ends (each is held Ramp + Duration); all at once if zero. The run
	// lasts 2 × Ramp + Duration (+ the drain).
	Ramp time.Duration
	// StartTimeout bounds the wait for session_started after the upgrade.
	StartTimeout time.Duration
	// Drain bounds the wait for the last committed_transcripts at the end.
	Drain time.Duration
	// Progress receives one line per second while the run goes on,
	// updated in place with a carriage return when it is a terminal.
	Progress io.Writer
	// Redactor learns the API key and every minted token; the result's
	// failure examples pass through it. One is made if nil.
	Redactor *secrets.Redactor
	// HTTPClient mints tokens and dials; a client without a timeout (the
	// dial and the mint are bounded by their own contexts) if nil.
	HTTPClient *http.Client
	// Target names the target in the result (its host, never a secret);
	// the BaseURL's host if empty.
	Target string
	// Shard labels this process's result among others to be merged.
	Shard string
}

// withDefaults fills the zero values and checks the rest; an error names
// the option and what to give instead.
func (o Options) withDefaults() (Options, error) {
	o.Pace = cmp.Or(o.Pace, Realtime)
	o.Auth = cmp.Or(o.Auth, Header)
	o.ChunkMS = cmp.Or(o.ChunkMS, DefaultChunkMS)
	o.CommitEvery = cmp.Or(o.CommitEvery, DefaultCommitEvery)
	o.StartTimeout = cmp.Or(o.StartTimeout, DefaultStartTimeout)
	o.Drain = cmp.Or(o.Drain, DefaultDrain)
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Redactor == nil {
		o.Redactor = secrets.New()
	}
	return o, o.Validate()
}

// Validate checks the options as given (zero values take their defaults).
func (o Options) Validate() error {
	base, err := probes.ParseBaseURL(o.BaseURL)
	switch {
	case err != nil:
		return fmt.Errorf("target: %v", err)
	case base != o.BaseURL:
		return fmt.Errorf("target %q: give only scheme, host and port, e.g. %s", o.BaseURL, base)
	case o.APIKey == "":
		return fmt.Errorf("no API key: every session needs one to authenticate or to mint its token")
	}
	return o.ValidateLoad()
}

// ValidateLoad checks what load to put, without the target and the key: a
// command checks it before it starts or reaches a target.
func (o Options) ValidateLoad() error {
	switch {
	case o.Sessions < 1:
		return fmt.Errorf("sessions %d: give 1 or more", o.Sessions)
	case o.Duration <= 0:
		return fmt.Errorf("duration %v: give a positive duration such as 10s", o.Duration)
	case o.Pace != "" && o.Pace != Realtime && o.Pace != Max:
		return fmt.Errorf("pace %q: give %s or %s", o.Pace, Realtime, Max)
	case o.Auth != "" && o.Auth != Header && o.Auth != Token:
		return fmt.Errorf("auth %q: give %s or %s", o.Auth, Header, Token)
	case o.ChunkMS != 0 && (o.ChunkMS < 10 || o.ChunkMS > 1000):
		return fmt.Errorf("chunk %d ms: give 10 to 1000 (the docs recommend 100 to 1000)", o.ChunkMS)
	case o.CommitEvery != 0 && o.CommitEvery < 300*time.Millisecond:
		return fmt.Errorf("commit every %v: give at least 300ms, the least audio a commit may close", o.CommitEvery)
	case o.Ramp < 0 || o.StartTimeout < 0 || o.Drain < 0:
		return fmt.Errorf("ramp, start timeout and drain cannot be negative")
	}
	return nil
}

// commitChunks is how many audio chunks go between commits.
func (o Options) commitChunks() int {
	chunk := time.Duration(o.ChunkMS) * time.Millisecond
	return int((o.CommitEvery + chunk - 1) / chunk)
}
