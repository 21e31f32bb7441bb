package sdks

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/scribecheck/scribecheck/internal/proxy"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// pinned returns the install folder and every pinned install; it skips
// the test unless the real clients are asked for (testkit.RealClients).
func pinned(t *testing.T) (string, []Install) {
	t.Helper()
	testkit.RealClients(t)
	dir := installDir(t)
	all, err := Matrix()
	if err != nil {
		t.Fatal(err)
	}
	return dir, all
}

// installed returns the install folder and the pinned installs named,
// skipping the test when one is not installed there.
func installed(t *testing.T, keys ...string) (string, []Install) {
	t.Helper()
	dir, all := pinned(t)
	var out []Install
	for _, k := range keys {
		for _, in := range all {
			if in.Key() == k {
				if why := missing(in, dir); why != "" {
					t.Skipf("%s: %s (run `make sdks`)", k, why)
				}
				out = append(out, in)
			}
		}
	}
	if len(out) != len(keys) {
		t.Fatalf("not all of %v are in matrix.json", keys)
	}
	return dir, out
}

// eachSDK runs test in parallel on the official JS and Python SDKs (their
// newest pinned versions), each with its install folder and a fresh output
// folder; an SDK not installed here skips the test.
func eachSDK(t *testing.T, test func(t *testing.T, in Install, dir, out string)) {
	t.Helper()
	dir, installs := installed(t, "elevenlabs-js@2.73.0", "elevenlabs-python@2.78.0")
	for _, in := range installs {
		t.Run(in.Key(), func(t *testing.T) {
			t.Parallel()
			test(t, in, dir, t.TempDir())
		})
	}
}

// viaProxy puts a recording proxy between the driver and the fake.
func viaProxy(t *testing.T, dir string) func(string) (string, func(), error) {
	red := secrets.New()
	return func(upstream string) (string, func(), error) {
		set, err := wirelog.NewSet(dir, red)
		if err != nil {
			return "", nil, err
		}
		p, err := proxy.New(proxy.Options{Upstream: upstream, Set: set, Redactor: red})
		if err != nil {
			return "", nil, err
		}
		base, err := p.Start("127.0.0.1:0")
		return base, func() {
			if err := p.Close(); err != nil {
				t.Error(err)
			}
			if err := set.Close(); err != nil {
				t.Error(err)
			}
		}, err
	}
}

// The official JS and Python SDKs, pointed at the proxy in front of the
// fake, complete their sessions on both auth paths; the proxy's log holds
// every frame both ways, the same as the fake's own recording of the far
// side, and none of the keys or tokens the fake saw.
func TestSDKsThroughTheProxy(t *testing.T) {
	t.Parallel() // each starts its own fakes and processes
	eachSDK(t, func(t *testing.T, in Install, dir, out string) {
		proxyDir := filepath.Join(out, "proxy-wire")
		via := viaProxy(t, proxyDir)
		red := secrets.New() // the fake's side: the proxy learns on its own
		run := RunOne(context.Background(), in, Options{Dir: dir, Out: out, Only: []string{"header", "token"}, Via: via, Redactor: red})
		if run.Broken != "" {
			t.Fatalf("%s\n%s", run.Broken, run.Stderr)
		}
		for _, sc := range Scenarios()[:2] {
			if o, why := Classify(run, sc); o != Session {
				t.Errorf("%s through the proxy: %s (%s)", sc.Name, o, why)
			}
		}
		far, farEx, err := wirelog.ReadDir(run.WireDir)
		if err != nil {
			t.Fatal(err)
		}
		near, nearEx, err := wirelog.ReadDir(proxyDir)
		if err != nil {
			t.Fatal(err)
		}
		if len(near) != len(far) || len(nearEx) != len(farEx) || len(near) < 2 {
			t.Fatalf("the proxy logged %d sockets and %d mints, the fake %d and %d", len(near), len(nearEx), len(far), len(farEx))
		}
		// The scenarios run in lanes at once, so the proxy and the fake may
		// number two sockets in other orders: each of the proxy's is the
		// fake's that sent the same first frame (its session_started names
		// the session), else the one of its number.
		byFirst := map[string]*wirelog.Log{}
		for _, l := range far {
			if f := frames(l, wirelog.FromServer); len(f) > 0 {
				byFirst[f[0]] = l
			}
		}
		for i, n := range near {
			f := far[i]
			if first := frames(n, wirelog.FromServer); len(first) > 0 && byFirst[first[0]] != nil {
				f = byFirst[first[0]]
			}
			// Each direction in order; how the two directions interleave
			// depends on where a recorder sits.
			for _, dir := range []string{wirelog.FromClient, wirelog.FromServer} {
				a, b := frames(n, dir), frames(f, dir)
				if len(a) != len(b) {
					t.Errorf("%s (%s at the fake): %d frames from the %s at the proxy, %d at the fake", n.ID, f.ID, len(a), dir, len(b))
					continue
				}
				for j := range a {
					if a[j] != b[j] {
						t.Errorf("%s (%s at the fake): %s frame %d differs:\nproxy: %.200s\nfake:  %.200s", n.ID, f.ID, dir, j, a[j], b[j])
						break
					}
				}
			}
			if n.Close == nil || n.Close.By != f.Close.By || n.Close.Code != f.Close.Code {
				t.Errorf("%s (%s at the fake): close %+v at the proxy, %+v at the fake", n.ID, f.ID, n.Close, f.Close)
			}
		}
		if err := secrets.CheckNoLeaks([]string{proxyDir}, red); err != nil {
			t.Fatal(err)
		}
	})
}

// frames is a log's frames in one direction, each as one comparable line.
func frames(l *wirelog.Log, dir string) []string {
	var out []string
	for _, f := range l.Sent(dir) {
		out = append(out, fmt.Sprintf("%v %d %s", f.Binary, f.Len, f.Data))
	}
	return out
}
