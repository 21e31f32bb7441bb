#!/usr/bin/env node
// Driver for LiveKit's @livekit/agents-plugin-elevenlabs (the Node agents
// framework's ElevenLabs STT), any version installed under an npm alias in
// internal/sdks/node/package.json, with the @livekit/agents and
// @livekit/rtc-node it needs as peers (under their own names: the plugin
// imports them so):
//
//   node node/drive-livekit.mjs livekit-agents-plugin-elevenlabs-1.9.0 < plan.json
//
// It connects only through the plugin's public API, as an agent would:
//   new STT({apiKey, baseURL: "{base_url}/v1", model}).stream()
//   stream.pushFrame(AudioFrame), stream.flush() (the commit), stream.endInput(),
//   stream.close(); `for await (const ev of stream)` and stt.on("error").
// Events are the ones an agent sees: each SpeechEvent under its type's name
// (SpeechEventType.FINAL_TRANSCRIPT, …), the STT's "error" event, and "close"
// when the event stream ends. session_started never reaches an agent (the
// plugin only logs it at debug level). The plugin has no token option (header
// only) and no minting.
//
// Logging: @livekit/agents logs through pino to process.stdout once
// initializeLogger() has run (it must run: log() throws otherwise). An app
// decides where its logs go; this one sends them to stderr (through console,
// so they are scrubbed), keeping stdout for the contract's lines.

import { Writable } from "node:stream";
import { EventEmitter } from "node:events";
import { main, sdkAlias, installedPackage, toData } from "./driver-common.mjs";

const alias = sdkAlias("node node/drive-livekit.mjs <npm alias of @livekit/agents-plugin-elevenlabs, e.g. livekit-agents-plugin-elevenlabs-1.9.0>");

main(async () => {
  const pkg = installedPackage(alias, "@livekit/agents-plugin-elevenlabs");
  const agentsPkg = installedPackage("@livekit/agents", "@livekit/agents");
  const rtcPkg = installedPackage("@livekit/rtc-node", "@livekit/rtc-node");
  const agents = await import("@livekit/agents");
  const { AudioFrame } = await import("@livekit/rtc-node");
  const { STT } = await import(alias);

  const sink = new Writable({
    write(chunk, _enc, cb) {
      console.error(String(chunk).trimEnd());
      cb();
    },
  });
  const stdout = Object.getOwnPropertyDescriptor(process, "stdout");
  Object.defineProperty(process, "stdout", { value: sink, configurable: true });
  try {
    agents.initializeLogger({ pretty: false, level: "info" });
  } finally {
    Object.defineProperty(process, "stdout", stdout);
  }

  // An agent compares ev.type with SpeechEventType.X: that is each event's name here.
  const typeName = (t) => `SpeechEventType.${agents.stt.SpeechEventType[t] ?? t}`;
  const speechEvents = Object.keys(agents.stt.SpeechEventType).filter((k) => Number.isNaN(Number(k))).map((k) => `SpeechEventType.${k}`);

  return {
    sdk: "livekit-agents-elevenlabs",
    version: pkg.version,
    events: [...speechEvents, "error", "close"],
    terminal: ["SpeechEventType.FINAL_TRANSCRIPT", "error", "close"],
    started: [],
    extra: { peers: `@livekit/agents ${agentsPkg.version}, @livekit/rtc-node ${rtcPkg.version}` },

    tokenUnsupported: () =>
      `@livekit/agents-plugin-elevenlabs ${pkg.version}: STT takes only an API key (apiKey or ELEVEN_API_KEY) and sends it as the xi-api-key header; it has no token option`,

    connect(creds, plan) {
      const stt = new STT({ apiKey: creds.apiKey, baseURL: `${plan.base_url.replace(/\/+$/, "")}/v1`, model: plan.model_id, sampleRate: plan.sample_rate });
      const stream = stt.stream();
      const conn = new EventEmitter();
      stt.on("error", (e) => conn.emit("error", { type: e.type, label: e.label, recoverable: e.recoverable, error: toData(e.error) }));
      const state = { stream, on: (ev, fn) => conn.on(ev, fn), rate: plan.sample_rate, transcribed: false };
      state.ended = (async () => {
        try {
          for await (const ev of stream) {
            if (ev.type === agents.stt.SpeechEventType.FINAL_TRANSCRIPT) state.transcribed = true;
            conn.emit(typeName(ev.type), ev.alternatives ? { alternatives: ev.alternatives.map((a) => ({ text: a.text, language: a.language })) } : null);
          }
        } catch (e) {
          conn.emit("error", e);
        }
        conn.emit("close", null);
      })();
      return state;
    },
    send(conn, b64) {
      const pcm = Buffer.from(b64, "base64");
      const samples = new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.length & ~1)));
      conn.stream.pushFrame(new AudioFrame(samples, conn.rate, 1, samples.length));
    },
    commit: (conn) => conn.stream.flush(),
    // An agent keeps its stream open while the plugin retries (about 4 s after a
    // refused session): a stream that has shown no transcript gets up to
    // 1.8 s more to end on its own before it is closed (closing it aborts the
    // retries silently, and the error an agent would see is lost).
    async close(conn) {
      if (!conn.transcribed) await Promise.race([conn.ended, new Promise((r) => setTimeout(r, 1800))]);
      conn.stream.endInput();
      conn.stream.close();
    },
  };
});
