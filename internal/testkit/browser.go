package testkit

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Browser is one headless Chromium that renders the pages of a test
// binary's tests in tabs of their own, driven over the DevTools protocol on
// a pipe (--remote-debugging-pipe). A Chromium started for each page
// (--dump-dom, --screenshot) took over a second of CPU; a tab more takes a
// fraction of that.
type Browser struct {
	cmd  *exec.Cmd
	in   *os.File // our messages, NUL-terminated, to Chromium's fd 3
	dir  string   // its profile
	done chan struct{}

	mu       sync.Mutex
	next     int
	pending  map[int]chan cdpMessage
	sessions map[string]*tab // by DevTools session
	err      error           // why the browser ended
}

// chromiumFlags keep headless Chromium off the network and out of the
// user's profile.
var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
	// Tabs open side by side (parallel tests): none is throttled or left
	// unpainted for being in the background.
	"--disable-renderer-backgrounding", "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows"}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     json.RawMessage `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

// StartBrowser starts headless Chromium at path with a profile of its own.
func StartBrowser(path string) (*Browser, error) {
	dir, err := os.MkdirTemp("", "scribecheck-chromium-")
	if err != nil {
		return nil, err
	}
	toChromium, in, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	out, fromChromium, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	b := &Browser{in: in, dir: dir, done: make(chan struct{}), pending: map[int]chan cdpMessage{}, sessions: map[string]*tab{}}
	b.cmd = exec.Command(path, append(chromiumFlags, "--user-data-dir="+dir, "--remote-debugging-pipe", "about:blank")...)
	b.cmd.ExtraFiles = []*os.File{toChromium, fromChromium} // its fds 3 and 4
	err = b.cmd.Start()
	toChromium.Close()
	fromChromium.Close()
	if err != nil {
		return nil, fmt.Errorf("starting chromium: %w", err)
	}
	go b.read(out)
	return b, nil
}

// read hands each answer to its call and each event to its tab, until
// Chromium ends.
func (b *Browser) read(out *os.File) {
	r := bufio.NewReader(out)
	for {
		line, err := r.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.err = fmt.Errorf("chromium ended: %v", err)
			b.mu.Unlock()
			close(b.done)
			return
		}
		var m cdpMessage
		if json.Unmarshal(line[:len(line)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if ch, ok := b.pending[m.ID]; ok && m.ID != 0 {
			delete(b.pending, m.ID)
			ch <- m
		} else if t := b.sessions[m.SessionID]; t != nil {
			t.event(m)
		}
		b.mu.Unlock()
	}
}

// call sends one command (to a tab's session, or to the browser when
// session is "") and returns its result.
func (b *Browser) call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	ch := make(chan cdpMessage, 1)
	b.mu.Lock()
	b.next++
	id := b.next
	b.pending[id] = ch
	msg, _ := json.Marshal(cdpMessage{ID: id, Method: method, Params: p, SessionID: session})
	_, err = b.in.Write(append(msg, 0))
	b.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, m.Error)
		}
		return m.Result, nil
	case <-b.done:
		b.mu.Lock()
		defer b.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", method, b.err)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// Close ends Chromium and removes its profile.
func (b *Browser) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = b.call(ctx, "", "Browser.close", nil)
	select {
	case <-b.done:
	case <-ctx.Done():
		_ = b.cmd.Process.Kill()
	}
	err := b.cmd.Wait()
	b.in.Close()
	os.RemoveAll(b.dir)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil // a browser asked to close may end on a signal
	}
	return err
}

// View is how to show a page: in a Width×Height viewport, then evaluate
// Eval (a JavaScript expression whose value is a string) when it is not
// "", and take a screenshot of the viewport when Screenshot is set.
type View struct {
	Width, Height int
	Eval          string
	Screenshot    bool
}

// Page is a page as the browser showed it once its load event fired.
type Page struct {
	// DOM is the document after its scripts ran, as --dump-dom prints it.
	DOM string
	// Eval is the value of the View's Eval.
	Eval string
	// Log is what the page wrote to the console and its uncaught errors,
	// a line each, as Chromium logs them with --enable-logging:
	// `INFO:CONSOLE(LINE)] "Uncaught Error: boom", source: URL (LINE)`.
	Log string
	// PNG is the viewport, when the View asks for it.
	PNG []byte
}

// tab gathers what one page's session said: its loads and its console.
// Guarded by the browser's lock.
type tab struct {
	loads   map[string]bool // the loaders (documents) whose load event fired
	changed chan struct{}   // closed and replaced on every load
	log     strings.Builder
}

// event records a load, a console message or an uncaught error.
func (t *tab) event(m cdpMessage) {
	switch m.Method {
	case "Page.lifecycleEvent":
		var p struct {
			LoaderID string `json:"loaderId"`
			Name     string `json:"name"`
		}
		_ = json.Unmarshal(m.Params, &p)
		if p.Name == "load" {
			t.loads[p.LoaderID] = true
			close(t.changed)
			t.changed = make(chan struct{})
		}
	case "Runtime.consoleAPICalled":
		var p struct {
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
			StackTrace struct {
				CallFrames []struct {
					URL  string `json:"url"`
					Line int    `json:"lineNumber"`
				} `json:"callFrames"`
			} `json:"stackTrace"`
		}
		_ = json.Unmarshal(m.Params, &p)
		var words []string
		for _, a := range p.Args {
			if a.Value != nil {
				words = append(words, fmt.Sprint(a.Value))
			} else {
				words = append(words, a.Description)
			}
		}
		url, line := "", 0
		if f := p.StackTrace.CallFrames; len(f) > 0 {
			url, line = f[0].URL, f[0].Line+1
		}
		t.logLine(strings.Join(words, " "), url, line)
	case "Runtime.exceptionThrown":
		var p struct {
			Details struct {
				Text      string `json:"text"`
				Line      int    `json:"lineNumber"`
				URL       string `json:"url"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		_ = json.Unmarshal(m.Params, &p)
		d := p.Details
		what, _, _ := strings.Cut(d.Exception.Description, "\n") // the message, not the stack
		t.logLine(strings.TrimSpace(d.Text+" "+what), d.URL, d.Line+1)
	case "Log.entryAdded": // what the browser itself says to the page's console (a load that failed)
		var p struct {
			Entry struct {
				Text string `json:"text"`
				URL  string `json:"url"`
				Line int    `json:"lineNumber"`
			} `json:"entry"`
		}
		_ = json.Unmarshal(m.Params, &p)
		t.logLine(p.Entry.Text, p.Entry.URL, p.Entry.Line+1)
	}
}

func (t *tab) logLine(text, url string, line int) {
	fmt.Fprintf(&t.log, "INFO:CONSOLE(%d)] %q, source: %s (%d)\n", line, text, url, line)
}

// Open shows url in a new tab as v says, once its load event fired, and
// closes the tab.
func (b *Browser) Open(ctx context.Context, url string, v View) (Page, error) {
	res, err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		return Page{}, err
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	_ = json.Unmarshal(res, &target)
	defer func() {
		_, _ = b.call(context.WithoutCancel(ctx), "", "Target.closeTarget", map[string]any{"targetId": target.TargetID})
	}()
	if res, err = b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}); err != nil {
		return Page{}, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	_ = json.Unmarshal(res, &attached)
	s := attached.SessionID
	t := &tab{loads: map[string]bool{}, changed: make(chan struct{})}
	b.mu.Lock()
	b.sessions[s] = t
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.sessions, s)
		b.mu.Unlock()
	}()
	for _, c := range []struct {
		method string
		params any
	}{
		{"Page.enable", nil}, {"Page.setLifecycleEventsEnabled", map[string]any{"enabled": true}}, {"Runtime.enable", nil}, {"Log.enable", nil},
		{"Emulation.setDeviceMetricsOverride", map[string]any{"width": v.Width, "height": v.Height, "deviceScaleFactor": 1, "mobile": false}},
	} {
		if _, err := b.call(ctx, s, c.method, c.params); err != nil {
			return Page{}, err
		}
	}
	if res, err = b.call(ctx, s, "Page.navigate", map[string]any{"url": url}); err != nil {
		return Page{}, err
	}
	var nav struct {
		LoaderID  string `json:"loaderId"`
		ErrorText string `json:"errorText"`
	}
	_ = json.Unmarshal(res, &nav)
	if nav.ErrorText != "" {
		return Page{}, fmt.Errorf("loading %s: %s", url, nav.ErrorText)
	}
	for { // the load of this navigation's document, not of the blank tab before it
		b.mu.Lock()
		loaded, changed := t.loads[nav.LoaderID], t.changed
		b.mu.Unlock()
		if loaded {
			break
		}
		select {
		case <-changed:
		case <-b.done:
			return Page{}, fmt.Errorf("loading %s: chromium ended", url)
		case <-ctx.Done():
			return Page{}, fmt.Errorf("loading %s: %w", url, ctx.Err())
		}
	}
	var p Page
	if v.Eval != "" {
		if p.Eval, err = b.evaluate(ctx, s, v.Eval); err != nil {
			return Page{}, err
		}
	}
	if p.DOM, err = b.evaluate(ctx, s, "document.documentElement.outerHTML"); err != nil {
		return Page{}, err
	}
	if v.Screenshot {
		// The load event comes before the first paint: on a busy machine a
		// capture taken then was blank. Two animation frames later the page
		// has been painted once.
		if _, err = b.call(ctx, s, "Page.bringToFront", nil); err != nil {
			return Page{}, err
		}
		if _, err = b.evaluateAwait(ctx, s, paintedExpr); err != nil {
			return Page{}, err
		}
		if res, err = b.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png"}); err != nil {
			return Page{}, err
		}
		var png struct {
			Data string `json:"data"`
		}
		_ = json.Unmarshal(res, &png)
		if p.PNG, err = base64.StdEncoding.DecodeString(png.Data); err != nil {
			return Page{}, err
		}
	}
	b.mu.Lock()
	p.Log = t.log.String()
	b.mu.Unlock()
	return p, nil
}

// paintedExpr resolves after the tab's next two animation frames: the
// first paint after load has happened.
const paintedExpr = `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r("painted"))))`

// evaluate is the string value of a JavaScript expression in a tab.
func (b *Browser) evaluate(ctx context.Context, session, expr string) (string, error) {
	return b.evaluateIn(ctx, session, expr, false)
}

// evaluateAwait is evaluate of an expression that is a promise: its value
// once resolved.
func (b *Browser) evaluateAwait(ctx context.Context, session, expr string) (string, error) {
	return b.evaluateIn(ctx, session, expr, true)
}

func (b *Browser) evaluateIn(ctx context.Context, session, expr string, await bool) (string, error) {
	res, err := b.call(ctx, session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": await})
	if err != nil {
		return "", err
	}
	var v struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &v); err != nil {
		return "", err
	}
	s, ok := v.Result.Value.(string)
	switch {
	case v.Exception != nil:
		return "", fmt.Errorf("evaluating %.40q: %s", expr, v.Exception.Text)
	case !ok:
		return "", fmt.Errorf("evaluating %.40q: not a string: %v", expr, v.Result.Value)
	}
	return s, nil
}
