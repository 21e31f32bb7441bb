package servercheck

import (
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
)

// Timeline turns a recorded connection into the timeline the rules read:
// Out is a frame the client sent. Credentials are as the log shows them
// (redacted); the rules never read them.
func Timeline(l *wirelog.Log) probes.Timeline {
	var q []string
	for _, p := range l.Request.Query {
		q = append(q, url.QueryEscape(p.Name)+"="+url.QueryEscape(p.Value))
	}
	tl := probes.Timeline{URL: "ws://recorded" + l.Request.Path}
	if len(q) > 0 {
		tl.URL += "?" + strings.Join(q, "&")
	}
	if l.Response != nil {
		tl.Upgrade = probes.Upgrade{Status: l.Response.Status, At: secs(l.Response.T)}
	}
	for _, f := range l.Frames {
		raw := []byte(f.Data)
		if f.Binary {
			if b, err := base64.StdEncoding.DecodeString(f.Data); err == nil {
				raw = b
			}
		}
		pf := probes.ParseFrame(secs(f.T), f.Binary, raw)
		pf.Out = f.Dir == wirelog.FromClient
		tl.Frames = append(tl.Frames, pf)
	}
	if c := l.Close; c != nil {
		code := c.Code
		if c.By == wirelog.ByCut {
			code = -1
		}
		tl.Close = &probes.Close{At: secs(c.T), Code: code, Reason: c.Reason, ByUs: c.By == wirelog.FromClient, Err: c.Error}
	}
	return tl
}

func secs(t float64) time.Duration { return time.Duration(t * float64(time.Second)) }
