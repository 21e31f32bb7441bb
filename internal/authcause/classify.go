package authcause

import (
	"fmt"
	"strings"

	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// mintFix is how an app gets a token the socket reads.
const mintFix = "mint a single-use token server-side (POST " + protocol.SingleUseTokenPath + protocol.TokenRealtimeScribe +
	" with the xi-api-key header) and pass its `token` string"

// keyPrefix starts the key of every credential problem.
const keyPrefix = "credential/"

// Keys of the problems about a request as a whole that has no credential the
// socket reads: none at all, or only some it does not read (KeyUnread and
// what they were).
const (
	KeyNoCredential = keyPrefix + "none"
	KeyUnread       = keyPrefix + "unread/"
)

// Problem is one thing wrong with the credentials of an upgrade request: a
// diagnosis on the app's side, observed (the request shows it), and the
// sentence CLIENT-2 says of it.
type Problem struct {
	Diagnosis
	// Where is the position of the credential it is about (wirelog.Where*);
	// empty for the request as a whole (no credential, token= twice).
	Where string
	// Finding is CLIENT-2's clause on it, naming the value as logged
	// (redacted), with what to do.
	Finding string
}

// Credentials is what the credentials of one upgrade request say.
type Credentials struct {
	// Token is the first ?token=, Header the first xi-api-key header: the
	// two credentials the socket reads (the token first).
	Token, Header *wirelog.Credential
	// Readable counts the credentials the socket reads and that have the
	// right form: a sutkn_ token in ?token=, a key in xi-api-key.
	Readable int
	// Problems are in the order of the credentials, each once.
	Problems []Problem
}

// At is the problem with the credential at where, if it has one.
func (c Credentials) At(where string) (Problem, bool) {
	for _, p := range c.Problems {
		if p.Where == where {
			return p, true
		}
	}
	return Problem{}, false
}

// Classify reads the credentials of one upgrade request. failedMint, when
// not empty, says how the last mint before the request failed ("POST
// /v1/single-use-token/realtime_scribe answered HTTP 401 invalid_api_key"):
// a placeholder in ?token= is then its consequence.
func Classify(creds []wirelog.Credential, failedMint string) Credentials {
	var out Credentials
	// key is the problem's whole key (keyPrefix + …), as callers compare it.
	add := func(where, key, finding, title, fix string) {
		out.Problems = append(out.Problems, Problem{Where: where, Finding: finding,
			Diagnosis: Diagnosis{Key: key, Side: SideApp, Confidence: verdict.Observed, Title: title, Cause: title, Fix: fix}})
	}
	tokens := 0
	var unread []string
	for i := range creds {
		c := &creds[i]
		switch c.Where {
		case wirelog.WhereToken:
			tokens++
			if out.Token == nil {
				out.Token = c
			} else if c.ID == out.Token.ID {
				continue // the same value again: one problem, if any
			}
			switch c.Shape {
			case wirelog.ShapeToken:
				out.Readable++
			case wirelog.ShapeAPIKey:
				add(c.Where, keyPrefix+"apikey", fmt.Sprintf("?token= holds an API key (%s): the socket refuses it there, and a key in a URL leaks into logs; %s", c.Shown, mintFix),
					"the API key is sent as ?token=: the socket reads a single-use token there and refuses the key, which leaks into URLs and logs",
					mintFix+"; never send the API key to a browser")
			case wirelog.ShapePlaceholder:
				switch {
				case failedMint != "":
					title := fmt.Sprintf("minting the token failed (%s) and the app connected anyway with ?token=%s", failedMint, c.Shown)
					add(c.Where, keyPrefix+"mint-failed/"+c.Shown, fmt.Sprintf("?token=%s: minting the token failed (%s) and the app connected anyway; check the mint response before connecting", c.Shown, failedMint),
						title, "check the mint response before connecting; fix what it names (the key, its permissions), then pass the response's `token` string")
				case c.Shown == "undefined":
					add(c.Where, keyPrefix+"undefined", "?token=undefined: the token was not awaited before connecting (or the mint failed); await the mint request and pass its token string",
						"?token=undefined: the token was not awaited before connecting, a missing value",
						"await the mint request before opening the socket, and pass its `token` string")
				case c.Shown == "[object Object]":
					add(c.Where, keyPrefix+"object", "?token=[object Object]: the app passed the mint response object; pass its .token string",
						"?token=[object Object]: the app passed the mint response object, not its token",
						"pass `.token` (the string) from the mint response, not the whole response")
				default:
					add(c.Where, keyPrefix+"placeholder/"+c.Shown, fmt.Sprintf("?token=%s: the token variable was empty when the socket opened; await the mint request and pass its token string", c.Shown),
						fmt.Sprintf("?token=%s: the token variable was empty when the socket opened", c.Shown),
						"await the mint request before opening the socket, and pass its `token` string")
				}
			case wirelog.ShapeEmpty:
				add(c.Where, keyPrefix+"empty", "?token= is empty: the token was never filled in; pass the minted token's string",
					"?token= is empty: the token was never filled in", "pass the minted token's string")
			default:
				add(c.Where, keyPrefix+"other", fmt.Sprintf("?token= holds %s, which is not a single-use token (sutkn_…); pass the token from POST %s%s", c.Shown, protocol.SingleUseTokenPath, protocol.TokenRealtimeScribe),
					"?token= holds a value that is not a single-use token (sutkn_…)", mintFix)
			}
		case wirelog.WhereTTSToken:
			add(c.Where, keyPrefix+"single_use_token", fmt.Sprintf("the token is sent as ?single_use_token=%s, the TTS sockets' name: this socket reads ?token=; rename the parameter", c.Shown),
				"the token is sent as ?single_use_token=, the TTS sockets' name: this socket reads ?token=", "rename the query parameter to token")
		case wirelog.WhereKeyHeader:
			if out.Header == nil {
				out.Header = c
			}
			switch c.Shape {
			case wirelog.ShapePlaceholder, wirelog.ShapeEmpty:
				title := fmt.Sprintf("the xi-api-key header is %q: the key was missing when the socket opened", c.Shown)
				add(c.Where, keyPrefix+"header-empty/"+c.Shown, title, title, "set the header to the API key (ELEVENLABS_API_KEY) before connecting")
			case wirelog.ShapeToken:
				add(c.Where, keyPrefix+"header-token", fmt.Sprintf("a single-use token (%s) is sent in the xi-api-key header, which takes an API key: put the token in ?token=", c.Shown),
					"a single-use token is sent in the xi-api-key header, which takes an API key",
					"put the token in ?token= (and send no header), or send the API key itself in the header (servers only)")
			default:
				out.Readable++
			}
		default:
			if k, ok := c.QueryKey(); ok {
				add(c.Where, keyPrefix+"query-key/"+k, fmt.Sprintf("an API key is in the query string as ?%s=%s: the socket reads a key only from the xi-api-key header, and a key in a URL ends up in logs", k, c.Shown),
					fmt.Sprintf("the API key is in the URL (?%s=): the socket reads a key only from the xi-api-key header", k),
					"send the key as the xi-api-key header (servers), or "+mintFix+" (browsers)")
			} else if h, ok := c.HeaderName(); ok {
				unread = append(unread, "the "+h+" header")
			}
		}
	}
	if tokens > 1 {
		add("", keyPrefix+"twice", fmt.Sprintf("token= is given %d times; send one token", tokens), "token= is given more than once in one URL", "send one token=")
	}
	if len(out.Problems) == 0 && out.Readable == 0 {
		fix := "browsers: " + mintFix + " and put it in ?token=; servers: send the xi-api-key header"
		if len(unread) == 0 {
			add("", KeyNoCredential, "no credentials at all: neither ?token= nor the xi-api-key header; browsers pass a single-use token in ?token=, servers send the xi-api-key header",
				"the socket carried no credential at all: neither ?token= nor the xi-api-key header", fix)
		} else {
			what := strings.Join(unread, " and ")
			add("", KeyUnread+what, fmt.Sprintf("no credential this socket reads (only %s): use ?token=<single-use token> or the xi-api-key header", what),
				fmt.Sprintf("the credential was sent in %s, which this socket does not read", what), fix)
		}
	}
	return out
}
