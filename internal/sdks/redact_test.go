package sdks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// fakeDriverEnv makes the test binary an SDK driver (TestMain): it names
// the file the driver writes the keys it was given to.
const fakeDriverEnv = "SCRIBECHECK_SDKS_FAKE_DRIVER"

// testDrivers make the test binary an SDK driver, run as a process of its
// own by a test, when their variable is set (its value is the driver's
// argument): tlsDriver for TestATLSLineGetsAFakeOverTLS, reconnectDriver for
// TestAReconnectIsSeenBeforeASecondRun, flakyDriver for
// TestASecondRunIsReportedNotHidden, leakyDriver for
// TestDriverOutputIsRedacted.
var testDrivers = map[string]func(arg string) error{
	tlsDriverEnv:       func(string) error { return tlsDriver() },
	reconnectDriverEnv: func(string) error { return reconnectDriver() },
	flakyDriverEnv:     flakyDriver,
	fakeDriverEnv:      leakyDriver,
}

func TestMain(m *testing.M) {
	for env, drive := range testDrivers {
		if arg := os.Getenv(env); arg != "" {
			if err := drive(arg); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			os.Exit(0)
		}
	}
	testkit.WaitBound(8)
	os.Exit(m.Run())
}

// testPlan is what the test binary's drivers read of the plan on stdin.
type testPlan struct {
	BaseURL   string `json:"base_url"`
	WSURL     string `json:"ws_url"`
	Scenarios []struct {
		Name   string `json:"name"`
		APIKey string `json:"api_key"`
	} `json:"scenarios"`
}

func readTestPlan() (testPlan, error) {
	var plan testPlan
	return plan, json.NewDecoder(os.Stdin).Decode(&plan)
}

// testInstall is an install whose driver is this test binary, run as the
// test driver of env (testDrivers) with arg as its argument, and without the
// race detector's pause at exit (testkit.ChildGORACE).
func testInstall(t *testing.T, env, arg, sdk string) Install {
	t.Helper()
	t.Setenv(env, arg)
	t.Setenv("GORACE", testkit.ChildGORACE())
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Install{SDK: sdk, Version: "0.0.0", Lang: "go", Cmd: []string{self}}
}

// dial opens the plan's socket with key on the header, as a driver's client
// would (client: nil for the default).
func (p testPlan) dial(ctx context.Context, key string, client *http.Client) (*websocket.Conn, error) {
	c, _, err := websocket.Dial(ctx, p.WSURL+protocol.RealtimePath+"?model_id="+protocol.DefaultModel,
		&websocket.DialOptions{HTTPHeader: http.Header{"xi-api-key": {key}}, HTTPClient: client})
	return c, err
}

// leakyDriver is an SDK that prints the key it was given in every error, as
// one that logs its request does; it writes the keys to path.
func leakyDriver(path string) error {
	plan, err := readTestPlan()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	_ = enc.Encode(Event{Event: "_sdk", SDK: "fake-sdk", Version: "0.0.0", Events: []string{"error"}})
	var keys []string
	for _, sc := range plan.Scenarios {
		keys = append(keys, sc.APIKey)
		_ = enc.Encode(Event{Scenario: sc.Name, Event: "error", Error: "refused: xi-api-key " + sc.APIKey})
		_ = enc.Encode(Event{Scenario: sc.Name, Event: "_end"})
	}
	// The install's drivers run at once (deal), each appending its keys.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strings.Join(keys, "\n") + "\n")
	return errors.Join(err, f.Close())
}

// What a driver prints becomes a cell's evidence, and the matrix's reports
// are redacted and leak-scanned with one redactor: the one every install's
// wire logs taught its keys. (The command made an empty one for the
// reports, and the evidence was cut from the driver's raw output.)
func TestDriverOutputIsRedacted(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "keys")
	fake := testInstall(t, fakeDriverEnv, keysFile, "fake-sdk")
	red := secrets.New()
	out := t.TempDir()
	runs := RunAll(context.Background(), []Install{fake}, Options{Dir: ".", Out: out, Only: []string{"header", "bad-key"}, Redactor: red})
	if runs[0].Broken != "" || runs[0].Skipped != "" {
		t.Fatalf("the fake driver did not run: %s%s\n%s", runs[0].Broken, runs[0].Skipped, runs[0].Stderr)
	}
	b, err := os.ReadFile(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	keys := strings.Fields(string(b))
	if len(keys) != 2 {
		t.Fatalf("the drivers were given %d keys, want one per scenario", len(keys))
	}
	for _, k := range keys {
		if !slices.Contains(red.Known(), k) {
			t.Errorf("the matrix's redactor does not know the key %s", secrets.Fingerprint(k))
		}
	}
	m := Grade(runs, time.Now())
	reportDir := t.TempDir()
	if _, err := reports.WriteSDKMatrix(reportDir, m, red); err != nil {
		t.Fatal(err) // the leak scan with every key failed
	}
	var console strings.Builder
	reports.WriteSDKMatrixConsole(&console, m, red)
	model := fmt.Sprintf("%+v", m)
	leaks, err := secrets.ScanFiles([]string{reportDir, out}, keys)
	if err != nil {
		t.Fatal(err)
	}
	leaks = append(leaks, secrets.ScanText("console", console.String(), keys)...)
	leaks = append(leaks, secrets.ScanText("the matrix's cells", model, keys)...)
	for _, l := range leaks {
		t.Error(l)
	}
	shown := func(k string) bool { return strings.Contains(model, "refused: xi-api-key "+secrets.Fingerprint(k)) }
	if !slices.ContainsFunc(keys, shown) { // the header's, in whichever order the drivers wrote them
		t.Errorf("the evidence does not show the key the driver printed (redacted): %s", model)
	}
}
