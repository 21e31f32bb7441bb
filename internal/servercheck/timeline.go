package servercheck

import (
	"fmt"
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
		pf := frame(f)
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

// frame is a recorded frame as the live probes read the same frame: a text
// frame that is not UTF-8 is text that is not UTF-8, not a binary frame.
func frame(f wirelog.Record) probes.Frame {
	p, err := f.Payload()
	if err != nil {
		return probes.Frame{At: secs(f.T), Binary: f.Binary, Raw: f.Data, ParseErr: err.Error()}
	}
	pf := probes.ParseFrame(secs(f.T), !p.Text(), p.Data)
	if p.Clipped { // its start alone would read as "not JSON"
		pf.Type = ""
		pf.ParseErr = fmt.Sprintf("a %s frame of %d bytes, which the recording kept only the first %d of: larger than any protocol message (the probes read at most %d)",
			p.Kind, p.Len, len(p.Data), probes.ReadLimit)
	}
	return pf
}

func secs(t float64) time.Duration { return time.Duration(t * float64(time.Second)) }
