package probes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/protocol"
)

// Mint is the record of one POST /v1/single-use-token/{type}.
type Mint struct {
	TokenType string        `json:"token_type"`
	Status    int           `json:"status"`         // 0 when no HTTP answer came
	Body      string        `json:"body,omitempty"` // the answer, up to 4 KiB; holds the token on success
	Token     string        `json:"-"`
	Header    http.Header   `json:"-"`               // the answer's headers (Content-Type, Location)
	Err       string        `json:"error,omitempty"` // transport error or unusable answer
	Took      time.Duration `json:"took_ns"`
}

// Cause names why minting did not give a token (ExplainHTTP).
func (m Mint) Cause() HTTPCause { return ExplainHTTP(AtMint, m.Status, m.Header, m.Body) }

// OK reports whether a token came back.
func (m Mint) OK() bool { return m.Token != "" }

// DetailStatus names the error of a refused mint (invalid_api_key, or enum
// for an unknown token type): protocol.ErrorStatus of its body.
func (m Mint) DetailStatus() string { return protocol.ErrorStatus(m.Body) }

// Describe says what happened, for failure messages.
func (m Mint) Describe() string {
	switch {
	case m.OK():
		return fmt.Sprintf("minted a %s token (HTTP %d)", m.TokenType, m.Status)
	case m.Status != 0 && m.Err != "":
		return fmt.Sprintf("minting a %s token answered HTTP %d, but %s (body: %s)", m.TokenType, m.Status, m.Err, SummarizeBody(m.Header, m.Body))
	case m.Status != 0:
		return fmt.Sprintf("minting a %s token: %s", m.TokenType, m.Cause().Line(AtMint, m.Header, m.Body))
	default:
		return fmt.Sprintf("minting a %s token failed: %s", m.TokenType, m.Err)
	}
}

const maxBody = 4 << 10

// MintToken asks baseURL for a single-use token of tokenType with apiKey.
// red (reports.NewRedactor; nil for none) learns the token before anything
// else sees it, so it is redacted everywhere.
func MintToken(ctx context.Context, client *http.Client, baseURL, apiKey, tokenType string, red *secrets.Redactor) (m Mint) {
	m.TokenType = tokenType
	start := time.Now()
	defer func() { m.Took = time.Since(start) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+protocol.SingleUseTokenPath+tokenType, nil)
	if err != nil {
		m.Err = err.Error()
		return m
	}
	if apiKey != "" {
		req.Header.Set(protocol.APIKeyHeader, apiKey)
	}
	resp, err := NoRedirects(client).Do(req)
	if err != nil {
		m.Err = describeNetErr(err)
		return m
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	m.Status, m.Body, m.Header = resp.StatusCode, string(body), resp.Header.Clone()
	if err != nil {
		m.Err = "reading the answer: " + err.Error()
		return m
	}
	if resp.StatusCode != http.StatusOK {
		return m
	}
	tok := gjson.GetBytes(body, "token")
	if tok.Type != gjson.String || tok.Str == "" {
		m.Err = "HTTP 200 without a token string in the body"
		return m
	}
	red.Add(tok.Str)
	m.Token = tok.Str
	return m
}

// describeNetErr names a transport failure in words a user can act on.
func describeNetErr(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer before the timeout: " + err.Error()
	case errors.Is(err, context.Canceled):
		return "cancelled: " + err.Error()
	}
	return err.Error()
}

// NoRedirects is client, answering a redirect with the 3xx itself: the API
// does not redirect, and following one would send the key to another host.
func NoRedirects(client *http.Client) *http.Client {
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}
