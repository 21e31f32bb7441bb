package probes

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/protocol"
)

// Options tune a probe. The zero value is usable.
type Options struct {
	// HTTPClient mints tokens; a client with a 15 s timeout if nil.
	HTTPClient *http.Client
	// Timeout bounds each wait for the server (the first frame, the
	// committed transcript); 10 s if zero.
	Timeout time.Duration
	// CloseWait bounds the wait for the server's close after a refusal; 3 s if zero.
	CloseWait time.Duration
	// AudioSeconds of synthetic speech are streamed after session_started, then
	// committed; 1 s if zero. This is the live budget per path.
	AudioSeconds float64
	// Query is the socket's query without credentials; DefaultQuery() if nil.
	Query url.Values
	// AdvanceClock jumps the target's clock; nil when the target has none.
	AdvanceClock func(time.Duration)
	// Slow allows real waits: token-expired then waits 15 minutes on a
	// target whose clock cannot jump.
	Slow bool
	// Redactor learns every secret (a minted token) the moment it exists,
	// and redacts raw text before it is clipped into a detail or summary.
	// Nil redacts nothing; reports.NewRedactor makes one, and the same one
	// then redacts the reports.
	Redactor *secrets.Redactor
	// SessionOnly stops a path once its session opened: no audio, no commit
	// (used when commits are known not to be answered, so no wait is spent).
	SessionOnly bool
}

// WithDefaults fills in every zero option.
func (o Options) WithDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.CloseWait == 0 {
		o.CloseWait = 3 * time.Second
	}
	if o.AudioSeconds == 0 {
		o.AudioSeconds = 1
	}
	if o.Query == nil {
		o.Query = DefaultQuery()
	}
	return o
}

// SkipReason says why path cannot run against a target with these options,
// or "" when it can.
func SkipReason(path AuthPath, t Target, o Options) string {
	switch {
	case path.NeedsFake && t.RestrictedKey == "":
		return "needs:fake: only the fake has a key without the speech_to_text permission"
	case path.NeedsClock && o.AdvanceClock == nil && !o.Slow:
		return "needs:fake: the token must be 15 minutes old; the fake's clock can jump, a real target needs --slow (waits 15 minutes)"
	}
	return ""
}

// socketParams are the credentials and query of one socket.
type socketParams struct {
	query  url.Values
	header http.Header
}

type runner struct {
	ctx    context.Context
	target Target
	opts   Options
	res    *Result
}

// Run probes one auth path against t. It always returns within ctx and the
// option timeouts, and never panics on what the target sends.
func Run(ctx context.Context, t Target, path AuthPath, opts Options) Result {
	opts = opts.WithDefaults()
	res := Result{Path: path.Name, Target: t.Name}
	if res.Skip = SkipReason(path, t, opts); res.Skip != "" {
		return res
	}
	r := &runner{ctx: ctx, target: t, opts: opts, res: &res}
	p, err := path.prepare(r)
	if err != nil {
		res.Fault = err.Error()
		return res
	}
	if p == nil {
		return res // decided before any socket (a refused mint)
	}
	r.socket(*p, true)
	return res
}

// params starts from the probe's query.
func (r *runner) params() socketParams {
	q := url.Values{}
	for k, v := range r.opts.Query {
		q[k] = append([]string(nil), v...)
	}
	return socketParams{query: q, header: http.Header{}}
}

// mint asks for a token with key; failing to get one is a harness fault.
func (r *runner) mint(tokenType, key string) (string, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.Timeout)
	defer cancel()
	m := MintToken(ctx, r.opts.HTTPClient, r.target.BaseURL, key, tokenType, r.opts.Redactor)
	r.res.Mints = append(r.res.Mints, m)
	if !m.OK() {
		return "", fmt.Errorf("the probe needs a %s token and could not get one: %s; check that the API key is valid for this host", tokenType, m.Describe())
	}
	return m.Token, nil
}

// socket opens one socket, waits for its first frame and, when a session
// opened and decisive is set, streams audio and commits to prove the path end
// to end. The socket's timeline is appended to the result.
func (r *runner) socket(p socketParams, decisive bool) Outcome {
	dialCtx, cancel := context.WithTimeout(r.ctx, r.opts.Timeout)
	conn := Dial(dialCtx, r.target.SocketURL(p.query), p.header, r.opts.CloseWait)
	conn.SetRedactor(r.opts.Redactor)
	cancel()
	defer func() {
		conn.Close()
		tl := conn.Timeline()
		r.res.Sockets = append(r.res.Sockets, tl)
		if decisive {
			r.res.Outcome, r.res.Detail = classify(tl)
			r.res.Latency.FirstPartial = firstPartial(tl)
		}
	}()
	if !conn.Upgraded() {
		return ""
	}
	if decisive {
		r.res.Stages.Upgraded = true
		r.res.Latency.Upgrade = conn.Timeline().Upgrade.At
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.Timeout)
	defer cancel()
	first, err := conn.Next(ctx)
	if err != nil {
		return ""
	}
	if first.Type != protocol.SessionStarted {
		// A refusal: let the server close, so the timeline shows how.
		wctx, wcancel := context.WithTimeout(r.ctx, r.opts.CloseWait)
		defer wcancel()
		for {
			if _, err := conn.Next(wctx); err != nil {
				break
			}
		}
		return ""
	}
	if !decisive {
		return OutcomeSession
	}
	r.res.Stages.SessionStarted = true
	r.res.Latency.SessionStarted = first.At
	if !r.opts.SessionOnly {
		r.stream(ctx, conn, p.query)
	}
	return OutcomeSession
}

// stream sends AudioSeconds of speech in quarter-second chunks, commits, and
// waits for the committed transcript.
func (r *runner) stream(ctx context.Context, conn *Conn, q url.Values) {
	f, ok := protocol.AudioFormatOf(q[protocol.ParamAudioFormat]) // the one the server reads
	if !ok {
		return // the server accepted a format we cannot make; nothing to stream
	}
	if conn.SendAudio(ctx, f, f.Speech(r.opts.AudioSeconds), 0.25, false) != nil {
		return
	}
	r.res.Stages.AudioSent = true
	commitAt := time.Now()
	if conn.Commit(ctx, f.SampleRate) != nil {
		return
	}
	got, err := conn.WaitFor(ctx, protocol.CommittedTranscript)
	if err != nil {
		return
	}
	r.res.Latency.Commit = time.Since(commitAt)
	r.res.Stages.Committed = true
	r.res.Stages.CommittedText = got.Get("text").String()
}

func withHeader(r *runner) (*socketParams, error) {
	p := r.params()
	p.header.Set(protocol.APIKeyHeader, r.target.APIKey)
	return &p, nil
}

func withInvalidHeader(r *runner) (*socketParams, error) {
	p := r.params()
	p.header.Set(protocol.APIKeyHeader, r.madeUp("sk_scribecheck_invalid_"))
	return &p, nil
}

func withNothing(r *runner) (*socketParams, error) {
	p := r.params()
	return &p, nil
}

// withMintedToken mints a token of tokenType and puts it on the query
// parameter param.
func withMintedToken(tokenType, param string) func(*runner) (*socketParams, error) {
	return func(r *runner) (*socketParams, error) {
		tok, err := r.mint(tokenType, r.target.APIKey)
		if err != nil {
			return nil, err
		}
		p := r.params()
		p.query.Set(param, tok)
		return &p, nil
	}
}

var withFreshToken = withMintedToken(protocol.TokenRealtimeScribe, protocol.TokenParam)

func withReusedToken(r *runner) (*socketParams, error) {
	p, err := withFreshToken(r)
	if err != nil {
		return nil, err
	}
	if r.socket(*p, false) != OutcomeSession {
		_, detail := classify(r.res.Sockets[0]) // the detail names the outcome
		r.res.Precondition = fmt.Sprintf("the fresh token was refused on its first use (%s), so its reuse could not be tested", detail)
	}
	return p, nil
}

func withExpiredToken(r *runner) (*socketParams, error) {
	p, err := withFreshToken(r)
	if err != nil {
		return nil, err
	}
	age := protocol.TokenLifetime + time.Second
	if r.opts.AdvanceClock != nil {
		r.opts.AdvanceClock(age)
		return p, nil
	}
	select { // Slow mode: a real wait, asked for by the user
	case <-time.After(age + 5*time.Second):
		return p, nil
	case <-r.ctx.Done():
		return nil, fmt.Errorf("waiting for the token to expire: %w", r.ctx.Err())
	}
}

// withKeyHeader adds a valid xi-api-key header to what prepare sends.
func withKeyHeader(prepare func(*runner) (*socketParams, error)) func(*runner) (*socketParams, error) {
	return func(r *runner) (*socketParams, error) {
		p, err := prepare(r)
		if err != nil {
			return nil, err
		}
		p.header.Set(protocol.APIKeyHeader, r.target.APIKey)
		return p, nil
	}
}

var (
	withTokenAndHeader       = withKeyHeader(withFreshToken)
	withSpentTokenGoodHeader = withKeyHeader(withReusedToken)
)

func withBadTokenGoodHeader(r *runner) (*socketParams, error) {
	p := r.params()
	p.query.Set(protocol.TokenParam, r.madeUp(protocol.TokenPrefix))
	p.header.Set(protocol.APIKeyHeader, r.target.APIKey)
	return &p, nil
}

func withAPIKeyAsToken(r *runner) (*socketParams, error) {
	p := r.params()
	p.query.Set(protocol.TokenParam, r.target.APIKey)
	return &p, nil
}

func withLiteralToken(value string) func(*runner) (*socketParams, error) {
	return func(r *runner) (*socketParams, error) {
		p := r.params()
		p.query.Set(protocol.TokenParam, value)
		return &p, nil
	}
}

// withRestrictedKey asks for a realtime_scribe token with a key that lacks the
// permission. A refusal decides the path without a socket; a token (a server
// that does not check permissions) is then used, to show what it opens.
func withRestrictedKey(r *runner) (*socketParams, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.Timeout)
	defer cancel()
	m := MintToken(ctx, r.opts.HTTPClient, r.target.BaseURL, r.target.RestrictedKey, protocol.TokenRealtimeScribe, r.opts.Redactor)
	r.res.Mints = append(r.res.Mints, m)
	switch {
	case m.OK():
		p := r.params()
		p.query.Set(protocol.TokenParam, m.Token)
		return &p, nil
	case m.Status == 0:
		return nil, errors.New(m.Describe())
	}
	r.res.Outcome = OutcomeMintRefused
	r.res.Detail = fmt.Sprintf("HTTP %d %s", m.Status, clip(r.opts.Redactor.Redact(m.Body), 300))
	return nil, nil
}

// madeUp invents a credential-shaped value. It is no secret, but it looks
// like one to any scanner, so it is redacted like one.
func (r *runner) madeUp(prefix string) string {
	v := prefix + randomHex(16)
	r.opts.Redactor.Add(v)
	return v
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	return hex.EncodeToString(b)
}
