package clientcheck_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/clientcheck"
)

const authError = `{"message_type":"auth_error","error":"You must be authenticated to use this endpoint."}`

// refused opens a connection that the server refuses in-band.
func (r *recording) refused(query string, header ...string) {
	c := r.open(realtime+query, header...)
	c.Status(101)
	c.server(authError)
	c.Closed("server", 1000, "", "")
}

// Each refusal is put on the side the evidence shows, with its cause.
func TestRefusalsNameTheSide(t *testing.T) {
	const tok = "sutkn_0123456789abcdef0123456789abcdef01"
	cases := []struct {
		name, side, cause string
		record            func(r *recording)
	}{
		{"fresh token refused on first use", clientcheck.SideServer, "refused a fresh token on its first use", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(0.4).refused("&token=" + tok)
		}},
		{"token presented twice", clientcheck.SideApp, "already presented on conn-0001", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(0.2).session("&token="+tok).Closed("client", 1000, "", "")
			r.at(3).refused("&token=" + tok)
		}},
		{"expired token", clientcheck.SideApp, "tokens expire after 15 minutes", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(16 * 60).refused("&token=" + tok)
		}},
		{"token of another type", clientcheck.SideApp, "minted as tts_websocket", func(r *recording) {
			r.mint("tts_websocket", tok)
			r.at(1).refused("&token=" + tok)
		}},
		{"token minted elsewhere", clientcheck.SideUnknown, "not minted in this recording", func(r *recording) {
			r.refused("&token=" + tok)
		}},
		{"api key as token", clientcheck.SideApp, "API key was sent as ?token=", func(r *recording) {
			r.refused("&token=sk_live_0123456789abcdef0123456789abcdef")
		}},
		{"undefined", clientcheck.SideApp, "?token=undefined", func(r *recording) { r.refused("&token=undefined") }},
		{"no credential", clientcheck.SideApp, "no credential at all", func(r *recording) { r.refused("") }},
		{"wrong parameter name", clientcheck.SideApp, "query:single_use_token", func(r *recording) {
			r.refused("&single_use_token=" + tok)
		}},
		{"key refused on the socket that minted", clientcheck.SideServer, "although the same key minted", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.refused("", "xi-api-key", "sk_live_0123456789abcdef0123456789abcdef")
		}},
		{"key refused, never seen minting", clientcheck.SideApp, "wrong, revoked", func(r *recording) {
			r.refused("", "xi-api-key", "sk_live_ffff456789abcdef0123456789abcdef")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRecording(t)
			c.record(r)
			rep := r.grade()
			if len(rep.Refusals) == 0 {
				t.Fatalf("no refusal diagnosed")
			}
			got := rep.Refusals[len(rep.Refusals)-1]
			if got.Side != c.side || !strings.Contains(got.Cause, c.cause) {
				t.Fatalf("side %q cause %q; want side %q and a cause with %q", got.Side, got.Cause, c.side, c.cause)
			}
			if got.Fix == "" || len(got.Evidence) < 2 {
				t.Fatalf("a refusal needs a fix and evidence: %+v", got)
			}
			if strings.Contains(strings.Join(got.Evidence, "\n")+got.Cause, tok) {
				t.Fatalf("the token leaked into the diagnosis: %+v", got)
			}
		})
	}
}

// A session that started is no refusal.
func TestNoRefusalWithoutAuthError(t *testing.T) {
	r := newRecording(t)
	r.session("", "xi-api-key", "sk_live_0123456789abcdef0123456789abcdef").Closed("client", 1000, "", "")
	if rep := r.grade(); len(rep.Refusals) != 0 {
		t.Fatalf("refusals for a started session: %+v", rep.Refusals)
	}
}

// The cases a first reviewer found put on the wrong side.
func TestRefusalsOnTheEdges(t *testing.T) {
	const tok = "sutkn_aaaa456789abcdef0123456789abcdef01"
	const key = "sk_live_0123456789abcdef0123456789abcdef"
	cases := []struct {
		name, side, cause string
		record            func(r *recording)
	}{
		{"two sockets at once, the other got in (StrictMode)", clientcheck.SideApp, "at the same time", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(0.5).refused("&token=" + tok)
			r.at(0.5).session("&token="+tok).Closed("client", 1000, "", "")
		}},
		{"an earlier try that never reached the server spends nothing", clientcheck.SideServer, "fresh token", func(r *recording) {
			r.mint("realtime_scribe", tok)
			r.at(0.3).open(realtime+"&token="+tok).Cut("server", "the proxy could not reach the server")
			r.at(2).refused("&token=" + tok)
		}},
		{"an earlier 404 on another path spends nothing", clientcheck.SideServer, "fresh token", func(r *recording) {
			r.mint("realtime_scribe", tok)
			c := r.at(0.3).open("/v1/speech-to-text/realtime-beta?model_id=scribe_v2_realtime&token=" + tok)
			c.Status(404)
			c.Closed("server", 0, "", "HTTP 404")
			r.at(2).refused("&token=" + tok)
		}},
		{"a backend that hands out one token twice", clientcheck.SideApp, "handed out 2 times", func(r *recording) {
			backend := func() {
				r.set.Exchange(httptest.NewRequest("GET", "/api/scribe-token", nil), 200, []byte(`{"token":"`+tok+`"}`))
			}
			backend()
			r.at(1)
			backend()
			r.at(2).refused("&token=" + tok)
		}},
		{"a token from the app's backend, once", clientcheck.SideServer, "handed to the app by /api/scribe-token", func(r *recording) {
			r.set.Exchange(httptest.NewRequest("GET", "/api/scribe-token", nil), 200, []byte(`{"token":"`+tok+`"}`))
			r.at(1).refused("&token=" + tok)
		}},
		{"a mint under a base path", clientcheck.SideServer, "minted as realtime_scribe", func(r *recording) {
			req := httptest.NewRequest("POST", "/staging/v1/single-use-token/realtime_scribe", nil)
			req.Header.Set("xi-api-key", key)
			r.set.Exchange(req, 200, []byte(`{"token":"`+tok+`"}`))
			r.at(1).refused("&token=" + tok)
		}},
		{"a key that minted only another type", clientcheck.SideApp, "wrong, revoked", func(r *recording) {
			r.mint("tts_websocket", tok)
			r.at(1).refused("", "xi-api-key", key)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRecording(t)
			c.record(r)
			rep := r.grade()
			if len(rep.Refusals) != 1 {
				t.Fatalf("refusals: %+v", rep.Refusals)
			}
			if got := rep.Refusals[0]; got.Side != c.side || !strings.Contains(got.Cause, c.cause) {
				t.Fatalf("side %q cause %q; want side %q and a cause with %q", got.Side, got.Cause, c.side, c.cause)
			}
		})
	}
}
