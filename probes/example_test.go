package probes_test

import (
	"context"
	"fmt"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/probes"
)

// Run dials a target on one named auth path and says what happened. Against
// a fake with the reported bug switched on (fresh sutkn_ tokens refused on
// ?token=), the header opens a session while a token minted a moment before
// gets auth_error on its first use: the bug reproduced. Against the live API
// the target is probes.Target{Name: "live", BaseURL: protocol.LiveBaseURL,
// APIKey: key}, and the same calls spend real audio.
func ExampleRun() {
	srv, err := fakeserver.NewServer(fakeserver.Options{Faults: []string{fakeserver.FaultSutknQueryRejected}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	target := probes.Target{Name: "fake", BaseURL: srv.URL(), APIKey: srv.TestKey()}
	for _, path := range []probes.AuthPath{probes.PathHeader, probes.PathTokenQuery} {
		res := probes.Run(context.Background(), target, path, probes.Options{AudioSeconds: 0.5})
		fmt.Printf("%s: %s\n", res.Path, res.Outcome)
	}
	// Output:
	// header: session_started
	// token-query: auth_error
}
