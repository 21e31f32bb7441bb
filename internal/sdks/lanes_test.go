package sdks

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/protocol"
)

// A driver runs its lanes at once in one process, so a crash cannot be
// told by which scenario is "current": it belongs to the scenario whose
// code made the task, callback, thread or timer it came from. Each
// language's driver plumbing runs a stand-in SDK that crashes in three ways
// in three scenarios, each on another lane while quiet scenarios run beside
// it; each crash must land on its own scenario, and no other.
func TestLanesAttributeEachCrashToItsScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the drivers are Node.js and Python processes")
	}
	t.Parallel()
	crashing := []string{"crash-task", "crash-callback", "crash-thread"}
	var lanes [][]Scenario
	keys := map[string]string{}
	for lane, crash := range crashing {
		part := []Scenario{{Name: "quiet-" + crash, Auth: "header"}, {Name: crash, Auth: "header"}}
		if lane%2 == 1 { // crash first on this lane: every crash meets a quiet scenario on the others
			slices.Reverse(part)
		}
		for _, sc := range part {
			keys[sc.Name] = "key-" + sc.Name
		}
		lanes = append(lanes, part)
	}
	scenarios := entries(Install{}, lanes, keys) // as RunOne gives them
	audio := filepath.Join(t.TempDir(), "audio.pcm")
	if err := os.WriteFile(audio, make([]byte, 6400), 0o644); err != nil {
		t.Fatal(err)
	}
	plan, _ := json.Marshal(map[string]any{"base_url": "http://127.0.0.1:1", "audio_file": audio, "audio_format": "pcm_16000",
		"sample_rate": 16000, "model_id": protocol.DefaultModel, "chunk_bytes": 3200, "quiet_ms": 50, "max_ms": 600, "scenarios": scenarios})

	for _, c := range []struct{ lang, runtime, common, driver, source string }{
		{"python", "python3", "driver_common.py", "drive_lanes.py", pythonLanesDriver},
		{"node", "node", "driver-common.mjs", "drive-lanes.mjs", nodeLanesDriver},
	} {
		t.Run(c.lang, func(t *testing.T) {
			t.Parallel()
			if _, err := exec.LookPath(c.runtime); err != nil {
				t.Skipf("%s is not on PATH", c.runtime)
			}
			dir := t.TempDir()
			common, err := carried.ReadFile(c.lang + "/" + c.common)
			if err != nil {
				t.Fatal(err)
			}
			for name, body := range map[string][]byte{c.common: common, c.driver: []byte(c.source)} {
				if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, c.runtime, c.driver)
			cmd.Dir, cmd.Stdin = dir, bytes.NewReader(plan)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", c.runtime, c.driver, err, stderr.String())
			}
			crashes := map[string][]string{}
			var ended []string
			for _, line := range strings.Split(strings.TrimSpace(string(stdout)), "\n") {
				var ev Event
				if err := json.Unmarshal([]byte(line), &ev); err != nil {
					t.Fatalf("not a contract line: %q", line)
				}
				switch ev.Event {
				case "_crash":
					crashes[ev.Scenario] = append(crashes[ev.Scenario], ev.Error)
				case "_end":
					ended = append(ended, ev.Scenario)
				}
			}
			if len(ended) != len(scenarios) {
				t.Errorf("%d scenarios ended, want %d: %v\nstderr:\n%s", len(ended), len(scenarios), ended, stderr.String())
			}
			if slices.Equal(ended[:2], []string{"quiet-crash-task", "crash-task"}) {
				t.Errorf("the lanes ran one after another, not at once: %v", ended)
			}
			for _, crash := range crashing {
				if len(crashes[crash]) != 1 {
					t.Errorf("%s: %d crashes, want 1: %v", crash, len(crashes[crash]), crashes[crash])
				}
				if got := crashes["quiet-"+crash]; len(got) > 0 {
					t.Errorf("quiet-%s was charged with a crash it did not cause: %v", crash, got)
				}
			}
		})
	}
}

// pythonLanesDriver is a stand-in SDK on driver_common.py: its connect
// crashes the way the key names (a task nobody awaits, a loop callback, a
// thread), and its connection does nothing.
const pythonLanesDriver = `import asyncio
import threading

import driver_common as dc


class Connection:
    async def send(self, b64):
        pass

    async def commit(self):
        pass

    async def close(self, closed):
        pass


def raise_in_thread():
    raise RuntimeError("in the SDK's thread")


class Driver:
    sdk, version, events = "lanes-sdk", "0.0.0", []
    announces_session = False

    def token_unsupported(self):
        return "no token"

    async def mint(self, plan, api_key):
        raise NotImplementedError

    async def connect(self, plan, api_key, token, emit):
        loop = asyncio.get_running_loop()
        if api_key == "key-crash-task":
            async def boom():
                raise RuntimeError("in the SDK's task")
            loop.create_task(boom())
        elif api_key == "key-crash-callback":
            loop.call_later(0.05, lambda: 1 / 0)
        elif api_key == "key-crash-thread":
            threading.Thread(target=raise_in_thread).start()
        return Connection()


dc.main(Driver())
`

// nodeLanesDriver is the same stand-in on driver-common.mjs: a rejected
// promise nobody handles, a throwing timer, a throwing socket listener.
const nodeLanesDriver = `import { main } from "./driver-common.mjs";
import net from "node:net";

main(async () => ({
  sdk: "lanes-sdk",
  version: "0.0.0",
  events: [],
  started: [],
  tokenUnsupported: () => "no token",
  connect(creds) {
    if (creds.apiKey === "key-crash-task") Promise.reject(new Error("in the SDK's promise"));
    if (creds.apiKey === "key-crash-callback") setTimeout(() => { throw new Error("in the SDK's timer"); }, 50);
    if (creds.apiKey === "key-crash-thread") {
      const srv = net.createServer((s) => s.end("x")).listen(0, "127.0.0.1", () => {
        const c = net.connect(srv.address().port, "127.0.0.1");
        c.on("data", () => { srv.close(); throw new Error("in the SDK's socket listener"); });
      });
    }
    return { on() {} };
  },
  send: async () => {},
  commit: async () => {},
  close: async () => {},
}));
`

// A client whose events are process-wide (videosdk's global_event_emitter)
// tells every session's app of every session's start when lanes share a
// process: a scenario that heard more session_started than its connections
// began breaks the run, naming it, in either run of a scenario that ran twice.
func TestCrossedEventsBreakTheRun(t *testing.T) {
	started := func(n int) []Event {
		evs := []Event{{Event: "_connect"}}
		for range n {
			evs = append(evs, Event{Event: "session_started"})
		}
		return evs
	}
	for _, c := range []struct {
		name string
		run  Run
		want string
	}{
		{"one each", Run{Events: map[string][]Event{"header": started(1), "token": started(1)},
			ConnScenario: map[string]string{"conn-1": "header", "conn-2": "token"}}, ""},
		{"a reconnect", Run{Events: map[string][]Event{"idle-silence": started(2)},
			ConnScenario: map[string]string{"conn-1": "idle-silence", "conn-2": "idle-silence"}}, ""},
		{"no connection logged (a replay in front)", Run{Events: map[string][]Event{"header": started(1)}}, ""},
		{"crossed", Run{Events: map[string][]Event{"header": started(8), "token": started(1)},
			ConnScenario: map[string]string{"conn-1": "header", "conn-2": "token"}},
			"the app of scenario header heard session_started 8 times over 1 connection"},
		{"crossed in the first run", Run{Events: map[string][]Event{"bad-key": started(0)}, ConnScenario: map[string]string{"conn-3": "bad-key"},
			FirstRun: map[string][]Event{"bad-key": started(8)}, FirstConns: map[string]string{"conn-1": "bad-key", "conn-2": "bad-key"}},
			"the app of scenario bad-key heard session_started 8 times over 2 connections"},
	} {
		got := crossedEvents(c.run)
		if (c.want == "") != (got == "") || !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
