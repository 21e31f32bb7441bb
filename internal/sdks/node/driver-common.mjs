// Shared plumbing of the Node drivers (drive-elevenlabs-js.mjs, drive-client.mjs):
// reading the plan, the JSON-lines output, crash capture, the lanes and the session loop of
// the driver contract (internal/sdks/README.md). Everything that touches an SDK lives in
// the drivers' adapters; this file never imports an SDK.

import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import util from "node:util";

// stdout carries only the contract's JSON lines. The SDKs log with console.*
// (@elevenlabs/client logs every server close and dumps the whole WebSocket
// error event, URL with ?token= included; elevenlabs-js logs ffmpeg progress),
// so every console method writes to stderr, scrubbed of secrets like stdout.
for (const m of ["log", "info", "debug", "warn", "error", "trace"]) {
  console[m] = (...args) => process.stderr.write(scrub(util.format(...args)) + "\n");
}

// API keys and tokens are never printed: every output line is scrubbed of
// every secret the driver has seen (the plan's keys, every minted token).
const secrets = new Set();
export function addSecret(s) {
  if (typeof s === "string" && s.length >= 4) secrets.add(s);
}

function scrub(text) {
  for (const s of secrets) text = text.split(s).join("[redacted]");
  return text;
}

export function out(obj) {
  process.stdout.write(scrub(JSON.stringify(obj)) + "\n");
}

export function errMessage(e) {
  if (e instanceof Error) return e.message ? `${e.name}: ${e.message}` : e.name;
  if (typeof e === "string") return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

// toData turns an SDK event payload into something JSON can carry:
// Errors and close events (whose fields are getters) by their fields,
// Buffers as text, anything else that does not serialise as its String().
export function toData(v) {
  if (v === undefined) return null;
  if (v instanceof Error) {
    const d = { error_class: v.name, message: v.message };
    if (v.code !== undefined) d.code = String(v.code);
    return d;
  }
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  if (v !== null && typeof v === "object" && "wasClean" in v && "code" in v) {
    return { type: v.type ?? "close", code: v.code, reason: v.reason, wasClean: v.wasClean };
  }
  try {
    const s = JSON.stringify(v, (_k, x) => {
      if (typeof x === "bigint") return x.toString();
      if (x instanceof Error) return { error_class: x.name, message: x.message };
      return x;
    });
    return s === undefined ? String(v) : JSON.parse(s);
  } catch {
    return String(v);
  }
}

export function readPlan() {
  let raw;
  try {
    raw = fs.readFileSync(0, "utf8");
  } catch (e) {
    fail(`cannot read the plan from stdin: ${errMessage(e)}`);
  }
  let plan;
  try {
    plan = JSON.parse(raw);
  } catch (e) {
    fail(`the plan on stdin is not JSON: ${errMessage(e)}`);
  }
  for (const k of ["base_url", "audio_file", "audio_format", "sample_rate", "model_id", "chunk_bytes", "quiet_ms", "max_ms", "scenarios"]) {
    if (plan[k] === undefined) fail(`the plan lacks "${k}"`);
  }
  if (!Array.isArray(plan.scenarios)) fail(`the plan's "scenarios" is not a list`);
  for (const s of plan.scenarios) {
    addSecret(s.api_key);
    for (const k of ["pause_ms", "lane"]) {
      if (!(Number.isInteger(s[k] ?? 0) && (s[k] ?? 0) >= 0)) fail(`scenario ${s.name}: ${k} must be a non-negative integer`);
    }
  }
  return plan;
}

// sdkAlias is the npm alias of the SDK a driver drives, its first argument;
// without one the driver fails with its usage.
export function sdkAlias(usage) {
  const alias = process.argv[2];
  if (!alias) fail(`usage: ${usage}`);
  return alias;
}

// installedPackage is the package.json installed under alias in this folder's
// node_modules; it throws unless that is the package named.
export function installedPackage(alias, name) {
  let pkg;
  try {
    pkg = JSON.parse(fs.readFileSync(new URL(`./node_modules/${alias}/package.json`, import.meta.url), "utf8"));
  } catch (e) {
    throw new Error(`${alias} is not installed in internal/sdks/node (run internal/sdks/setup.sh): ${e.message}`);
  }
  if (pkg.name !== name) throw new Error(`${alias} is ${pkg.name}, not ${name}`);
  return pkg;
}

// sessionOptions are the plan's session options as both JS SDKs' connect()
// takes them: the audio format as the SDK's own AudioFormat value when it has
// one, and manual commits.
export function sessionOptions(plan, { AudioFormat, CommitStrategy }) {
  return {
    modelId: plan.model_id,
    audioFormat: Object.values(AudioFormat ?? {}).find((v) => v === plan.audio_format) ?? plan.audio_format,
    sampleRate: plan.sample_rate,
    commitStrategy: CommitStrategy?.MANUAL ?? "manual",
  };
}

// mintByFetch mints a realtime_scribe token as an app's backend does for a
// client that has no minting of its own (@elevenlabs/client, @elevenlabs/react):
// a plain POST {base_url}/v1/single-use-token/realtime_scribe with xi-api-key.
export async function mintByFetch(apiKey, plan) {
  const res = await fetch(`${plan.base_url.replace(/\/+$/, "")}/v1/single-use-token/realtime_scribe`, {
    method: "POST",
    headers: { "xi-api-key": apiKey },
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`POST /v1/single-use-token/realtime_scribe: HTTP ${res.status}: ${body.slice(0, 300)}`);
  return JSON.parse(body).token;
}

export function fail(msg) {
  process.stderr.write(`driver error: ${msg}\n`);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

// Errors that would crash a normal app are recorded and the run goes on.
// The plan's lanes run at once in this one process, so a crash belongs to
// the scenario whose code made the socket, timer or promise it came from:
// each scenario runs in a scenarioStore.run of its own, whose store every
// callback made inside it carries (the uncaught handlers see it too).
const scenarioStore = new AsyncLocalStorage();
const running = new Set();
function crash(error) {
  const owner = scenarioStore.getStore();
  if (owner) {
    out({ scenario: owner, event: "_crash", error });
    return;
  }
  // Made outside any scenario's code (a pool the lanes share): each running
  // scenario hears of it, as each of their apps would.
  for (const name of running) {
    out({ scenario: name, event: "_crash", error: running.size === 1 ? error : `${error} (from code no one scenario made; ${running.size} were running)` });
  }
}
function installCrashHandlers() {
  process.on("uncaughtException", (e) => crash(`uncaughtException: ${errMessage(e)}`));
  process.on("unhandledRejection", (e) => crash(`unhandledRejection: ${errMessage(e)}`));
}

class CapTimeout extends Error {}

// capped runs one call into the SDK with what is left of the scenario's budget
// (max_ms + pause_ms + 2000): a call that never settles becomes an _exception, not a hang.
async function capped(fn, deadline) {
  let timer;
  const left = deadline - Date.now();
  const cap = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CapTimeout(`no answer within the driver's cap (${Math.max(0, Math.round(left))} ms left of the scenario's max_ms+pause_ms+2000)`)), Math.max(0, left));
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), cap]);
  } finally {
    clearTimeout(timer);
  }
}

// Events after which the session may end (once quiet_ms has passed without any event);
// an adapter whose client names its events otherwise lists its own (adapter.terminal).
const TERMINAL = ["committed_transcript", "error", "close"];
// An input_error once the commit is sent ends the wait too: the commit was
// refused, so no transcript is due (driver_common.py's REFUSED_AFTER_COMMIT).
const REFUSED_AFTER_COMMIT = "input_error";

// runSession is one connect → send → commit → wait → close of the contract.
// adapter.connect(creds, plan) returns the SDK's connection; adapter.send,
// .commit and .close wrap that connection's own methods.
// deadline is the scenario's: every call and wait of every attempt ends by it.
// pause (ms): after half the chunks the app sends nothing for that long (the scenario's pause_ms).
async function runSession(adapter, plan, audio, name, auth, attempt, creds, deadline, pause = 0) {
  const t0 = Date.now();
  // The waits end max_ms after connect (after the silence, if any), and early enough to close within the scenario's cap.
  let waitEnd = Math.min(t0 + plan.max_ms, deadline - 150);
  out({ scenario: name, event: "_connect", auth, attempt });

  const terminal = new Set(adapter.terminal ?? TERMINAL);
  const started = new Set(adapter.started ?? ["session_started"]);
  let lastEvent = Date.now();
  let terminalSeen = false;
  let commitSent = false;
  let closed = false;
  let wake = () => {};
  const onEvent = (ev, args) => {
    lastEvent = Date.now();
    out({ scenario: name, event: ev, data: toData(args.length <= 1 ? args[0] : args) });
    if (terminal.has(ev) || (commitSent && ev === REFUSED_AFTER_COMMIT)) terminalSeen = true;
    if (ev === "close") closed = true;
    if (started.has(ev) || ev === "error" || ev === "close") wake();
  };

  let conn;
  try {
    conn = await capped(() => adapter.connect(creds, plan), deadline);
  } catch (e) {
    out({ scenario: name, event: "_exception", where: "connect", error: errMessage(e) });
    return;
  }
  // Every event the SDK offers, subscribed as a user would: connection.on(name, listener).
  for (const ev of adapter.events) conn.on(ev, (...args) => onEvent(ev, args));

  // Wait for session_started, an error or a close, at most 3 s; not at all for a
  // client that shows no start (adapter.started is []: it queues audio itself).
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, started.size ? Math.min(3000, Math.max(0, waitEnd - Date.now())) : 0);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  wake = () => {};

  // The whole file, chunk_bytes at a time, no pacing; the first failing send ends the loop.
  const chunks = Math.ceil(audio.length / plan.chunk_bytes);
  const half = pause > 0 && chunks > 0 ? Math.floor(chunks / 2) * plan.chunk_bytes : -1;
  for (let off = 0; off < audio.length; off += plan.chunk_bytes) {
    if (off === half) {
      // The silence (as far as the scenario's cap allows: however long the
      // connect took, never less): no audio call at all, as an app whose user
      // went quiet or muted (whatever the client sends meanwhile, a keepalive,
      // is its own doing). A close or error heard in it ends no wait: what
      // counts is what the app hears after it, so the waits start over once
      // _paused is out.
      const t = Date.now();
      await sleep(Math.min(pause, deadline - 150 - t));
      out({ scenario: name, event: "_paused", ms: Date.now() - t });
      terminalSeen = false;
      lastEvent = Date.now();
      waitEnd = Math.min(lastEvent + plan.max_ms, deadline - 150);
    }
    const b64 = audio.subarray(off, off + plan.chunk_bytes).toString("base64");
    try {
      await capped(() => adapter.send(conn, b64), deadline);
    } catch (e) {
      out({ scenario: name, event: "_exception", where: "send", error: errMessage(e) });
      break;
    }
  }
  commitSent = true;
  // When the SDK's commit throws (not the driver's cap), the app has been
  // told it failed: like a terminal event, it ends the wait once quiet_ms
  // passes without an event (driver_common.py's commit_failed).
  let commitFailed = 0;
  try {
    await capped(() => adapter.commit(conn), deadline);
  } catch (e) {
    out({ scenario: name, event: "_exception", where: "commit", error: errMessage(e) });
    if (!(e instanceof CapTimeout)) commitFailed = Date.now();
  }

  // Quiet for quiet_ms after a committed transcript, an error, a close or a
  // commit that threw; max_ms from connect at most.
  while (true) {
    const now = Date.now();
    if (now >= waitEnd) break;
    if (terminalSeen && now - lastEvent >= plan.quiet_ms) break;
    if (commitFailed && now - Math.max(lastEvent, commitFailed) >= plan.quiet_ms) break;
    await sleep(Math.min(25, waitEnd - now));
  }

  if (!closed) {
    try {
      await capped(() => adapter.close(conn), deadline);
    } catch (e) {
      out({ scenario: name, event: "_exception", where: "close", error: errMessage(e) });
    }
    // A client that tells its app of a close: the app waits for the one its
    // own close brings (at most CLOSE_WAIT_MS), so that a run on a busy
    // machine and its replay end on the same event, not on whichever came
    // within the 100 ms below.
    if (!closed && adapter.events.includes("close")) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, Math.min(CLOSE_WAIT_MS, deadline - Date.now())));
        wake = () => {
          if (closed) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
      wake = () => {};
    }
  }
  await sleep(Math.min(100, deadline - Date.now()));
}

// CLOSE_WAIT_MS bounds the wait for the close an app's own close brings
// (driver_common.py's CLOSE_WAIT_S).
const CLOSE_WAIT_MS = 2000;

// Never hang: a scenario, all its attempts included, ends within max_ms + pause_ms + 2000.
async function runScenario(adapter, plan, audio, s) {
  const name = s.name;
  const pause = s.pause_ms ?? 0;
  const deadline = Date.now() + plan.max_ms + pause + 2000;
  switch (s.auth) {
    case "header": {
      const why = adapter.headerUnsupported?.();
      if (why) {
        out({ scenario: name, event: "_unsupported", reason: why });
        return;
      }
      await runSession(adapter, plan, audio, name, "header", 1, { apiKey: s.api_key }, deadline, pause);
      return;
    }
    case "token":
    case "token-reuse": {
      const why = await adapter.tokenUnsupported?.(plan);
      if (why) {
        out({ scenario: name, event: "_unsupported", reason: why });
        return;
      }
      let token;
      try {
        token = await capped(() => adapter.mint(s.api_key, plan), deadline);
        addSecret(token);
        if (typeof token !== "string" || token === "") throw new Error(`the mint answered no token (${typeof token})`);
      } catch (e) {
        out({ scenario: name, event: "_exception", where: "mint", error: errMessage(e) });
        return;
      }
      const attempts = s.auth === "token-reuse" ? 2 : 1;
      for (let a = 1; a <= attempts; a++) {
        await runSession(adapter, plan, audio, name, "token", a, { token }, deadline, pause);
      }
      return;
    }
    default:
      out({ scenario: name, event: "_unsupported", reason: `unknown auth "${s.auth}"` });
  }
}

// main runs the plan on stdin against one SDK adapter:
//   adapter = { sdk, version, events, connect, send, commit, close, mint,
//               headerUnsupported?(), tokenUnsupported?(plan), terminal?, started?, extra? }
export async function main(makeAdapter) {
  installCrashHandlers();
  const plan = readPlan();
  let audio;
  try {
    audio = fs.readFileSync(plan.audio_file);
  } catch (e) {
    fail(`cannot read audio_file: ${errMessage(e)}`);
  }
  if (!(plan.chunk_bytes > 0)) fail("chunk_bytes must be positive");
  let adapter;
  try {
    adapter = await makeAdapter();
  } catch (e) {
    fail(`cannot load the SDK: ${e && e.stack ? e.stack : errMessage(e)}`);
  }
  out({ event: "_sdk", sdk: adapter.sdk, version: adapter.version, events: adapter.events, ...(adapter.extra ?? {}) });
  // The lanes run at once, each its scenarios in order.
  const lanes = new Map();
  for (const s of plan.scenarios) {
    const lane = s.lane ?? 0;
    if (!lanes.has(lane)) lanes.set(lane, []);
    lanes.get(lane).push(s);
  }
  const runLane = async (scenarios) => {
    for (const s of scenarios) {
      running.add(s.name);
      const t0 = Date.now();
      try {
        await scenarioStore.run(s.name, () => runScenario(adapter, plan, audio, s));
      } catch (e) {
        // Every call into the SDK is caught where it is made: this is a bug of the driver's own.
        fail(`in scenario ${s.name}: ${e && e.stack ? e.stack : errMessage(e)}`);
      }
      running.delete(s.name);
      out({ scenario: s.name, event: "_end", ms: Date.now() - t0 });
    }
  };
  await Promise.all([...lanes.keys()].sort((a, b) => a - b).map((lane) => runLane(lanes.get(lane))));
  out({ event: "_done" });
  // Sockets still closing must not keep the process alive.
  process.stdout.write("", () => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
