package fakeserver

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/coder/websocket"
)

// Recorder receives what one connection carried, exactly as it crossed the
// wire (after the faults' filters). wirelog.Conn is one; the fake never
// imports the wire-log format, it only reports to this hook.
type Recorder interface {
	// Status is the HTTP answer to the upgrade request (101 when upgraded).
	Status(code int)
	// Frame is one data frame; fromClient gives its direction.
	Frame(fromClient, binary bool, data []byte)
	// Closed is how the connection ended: by "client", "server" or "cut"
	// (no close frame), with the close code (0 for none). Only the first
	// call counts.
	Closed(by string, code int, reason, err string)
}

// RefusalRecorder is a Recorder that also keeps what the fake said when it
// answered the upgrade request with anything but 101 (a 401 at the upgrade,
// a calibrated refusal, the WebSocket library's 426): for such an answer the
// fake calls Refused, once the answer is written, in place of Status. Its
// body is the answer's, or its first 64 KiB. A Recorder without Refused
// gets Status alone, as before; wirelog.Conn and Memory have it.
type RefusalRecorder interface {
	Recorder
	Refused(code int, body []byte)
}

// maxRefusalBody is the most of a refusal's body handed to Refused: the
// fake's are a few hundred bytes.
const maxRefusalBody = 64 << 10

// Close origins, as Recorder.Closed names them.
const (
	closedByClient = "client"
	closedByServer = "server"
	closedByCut    = "cut"
)

type nopRecorder struct{}

func (nopRecorder) Status(int)                         {}
func (nopRecorder) Frame(bool, bool, []byte)           {}
func (nopRecorder) Closed(string, int, string, string) {}

type recorderKey struct{}

func recorderFrom(ctx context.Context) Recorder {
	if r, ok := ctx.Value(recorderKey{}).(Recorder); ok {
		return r
	}
	return nopRecorder{}
}

// recordSocket opens a Recorder for each upgrade request, outside every
// fault's wrapper, so that a refusal at the handshake is recorded too.
func (s *Server) recordSocket(next http.HandlerFunc) http.HandlerFunc {
	if s.record.Socket == nil {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		rec := s.record.Socket(r)
		sw := &statusWriter{ResponseWriter: w, rec: rec}
		next(sw, r.WithContext(context.WithValue(r.Context(), recorderKey{}, rec)))
		sw.refused()
		// An upgraded socket has recorded its close; this catches a refusal.
		rec.Closed(closedByServer, 0, "", "the server answered the upgrade request without a WebSocket")
	}
}

// statusWriter reports the status of the upgrade answer, and the body of a
// refusal to a RefusalRecorder. Unwrap lets the WebSocket library hijack the
// connection underneath.
type statusWriter struct {
	http.ResponseWriter
	rec  Recorder
	done bool
	// refusal is set while the body of an answer that was no 101 is kept
	// for a RefusalRecorder, with the answer's code.
	refusal RefusalRecorder
	code    int
	body    []byte
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.done {
		w.done = true
		if rr, ok := w.rec.(RefusalRecorder); ok && code != http.StatusSwitchingProtocols {
			w.refusal, w.code = rr, code
		} else {
			w.rec.Status(code)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	if w.refusal != nil {
		w.body = append(w.body, b[:min(len(b), maxRefusalBody-len(w.body))]...)
	}
	return w.ResponseWriter.Write(b)
}

// refused reports a refusal with its body, once the handler has written
// it all.
func (w *statusWriter) refused() {
	if w.refusal != nil {
		w.refusal.Refused(w.code, w.body)
		w.refusal = nil
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recordExchange reports each REST request with its answer (tokens being
// minted) to the Exchange hook.
func (s *Server) recordExchange(next http.HandlerFunc) http.HandlerFunc {
	if s.record.Exchange == nil {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		bw := &bodyWriter{ResponseWriter: w, status: http.StatusOK}
		next(bw, r)
		s.record.Exchange(r, bw.status, bw.body.Bytes())
	}
}

type bodyWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *bodyWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *bodyWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// recordReadEnd records why a read from the client failed: the client's
// close frame, or a cut. After the server's own close the record is already
// written and this one does not count.
func recordReadEnd(rec Recorder, err error) {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		rec.Closed(closedByClient, int(ce.Code), ce.Reason, "")
		return
	}
	rec.Closed(closedByCut, 0, "", err.Error())
}
