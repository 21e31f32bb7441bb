#!/usr/bin/env node
// Driver for the Vercel AI SDK's ElevenLabs provider, @ai-sdk/elevenlabs, with
// the `ai` package's streamTranscribe, each installed under an npm alias in
// internal/sdks/node/package.json:
//
//   node node/drive-ai-sdk.mjs ai-sdk-elevenlabs-3.0.46 ai-7.0.185 < plan.json
//
// It connects only through the public API, as an app would:
//   createElevenLabs({apiKey, webSocket}).transcription("scribe_v2_realtime")
//   experimental_streamTranscribe({model, audio: ReadableStream, inputAudioFormat, abortSignal})
//   `for await (const part of result.fullStream)`.
// The provider hard-codes https://api.elevenlabs.io; its `webSocket` option
// takes the WebSocket constructor to use (Node's own cannot send the
// xi-api-key header). The driver passes the pinned `ws` with the URL's origin
// replaced by the plan's ws_url: that option is how this provider is pointed
// anywhere, nothing is patched.
// The session is the AI SDK's: audio is a stream the driver feeds (send
// enqueues a chunk), the commit is the end of that stream (the provider sends
// one commit when its input ends), close aborts. Events are the stream's part
// types (stream-start, transcript-partial, transcript-final, finish, error),
// an "error" when the stream itself fails, and "close" when it ends.
// Header only: the provider has no token option.

import { WebSocket as WS } from "ws";
import { main, sdkAlias, installedPackage, errMessage } from "./driver-common.mjs";

const usage = "node node/drive-ai-sdk.mjs <npm alias of @ai-sdk/elevenlabs, e.g. ai-sdk-elevenlabs-3.0.46> <npm alias of ai, e.g. ai-7.0.185>";
const alias = sdkAlias(usage);
const aiAlias = process.argv[3] ?? sdkAlias(usage + " (the ai alias is missing)");

const PARTS = ["stream-start", "transcript-partial", "transcript-final", "transcript-delta", "finish", "raw", "error", "close"];

main(async () => {
  const pkg = installedPackage(alias, "@ai-sdk/elevenlabs");
  const aiPkg = installedPackage(aiAlias, "ai");
  const wsPkg = installedPackage("ws", "ws");
  const { createElevenLabs } = await import(alias);
  const { experimental_streamTranscribe: streamTranscribe } = await import(aiAlias);
  if (!createElevenLabs || !streamTranscribe) throw new Error(`${alias}/${aiAlias} export no createElevenLabs/experimental_streamTranscribe: no realtime transcription in these versions`);

  // The WebSocket the provider is given: ws, sent to the plan's server instead of api.elevenlabs.io.
  const localWebSocket = (wsUrl) =>
    class extends WS {
      constructor(url, protocols, options) {
        const u = new URL(url);
        const to = new URL(wsUrl);
        u.protocol = to.protocol;
        u.host = to.host;
        super(u, protocols, options);
      }
    };

  return {
    sdk: "ai-sdk-elevenlabs",
    version: pkg.version,
    events: PARTS,
    terminal: ["transcript-final", "finish", "error", "close"],
    started: [], // no session_started reaches the stream; the provider holds the audio until it comes
    extra: { ai: aiPkg.version, websocket: `ws ${wsPkg.version} through createElevenLabs({webSocket})` },

    tokenUnsupported: () =>
      `@ai-sdk/elevenlabs ${pkg.version}: the provider authenticates only with an API key (apiKey or ELEVENLABS_API_KEY) sent as the xi-api-key header; it has no token option`,

    connect(creds, plan) {
      const model = createElevenLabs({ apiKey: creds.apiKey, webSocket: localWebSocket(plan.ws_url ?? plan.base_url.replace(/^http/i, "ws")) }).transcription(plan.model_id);
      let feed;
      const audio = new ReadableStream({ start: (c) => (feed = c) });
      const abort = new AbortController();
      const listeners = new Map();
      const emit = (ev, data) => (listeners.get(ev) ?? []).forEach((fn) => fn(data));
      const result = streamTranscribe({ model, audio, inputAudioFormat: { type: "audio/pcm", rate: plan.sample_rate }, abortSignal: abort.signal });
      // An error after the driver's own abort is the app's doing, not the client telling it something.
      const ended = (async () => {
        try {
          for await (const part of result.fullStream) {
            const { type, ...data } = part;
            if (type === "error") {
              if (abort.signal.aborted) continue;
              data.error = errMessage(part.error);
            }
            emit(type, data);
          }
        } catch (e) {
          if (!abort.signal.aborted) emit("error", { error: errMessage(e) });
        }
        emit("close", null);
      })();
      return {
        on: (ev, fn) => listeners.set(ev, [...(listeners.get(ev) ?? []), fn]),
        feed: () => feed,
        abort,
        ended,
      };
    },
    send: (conn, b64) => conn.feed().enqueue(new Uint8Array(Buffer.from(b64, "base64"))),
    commit: (conn) => conn.feed().close(),
    // The stream ends by itself 250 ms after the final commit's transcript; an
    // app would let it: up to 1.5 s, then abort.
    async close(conn) {
      await Promise.race([conn.ended, new Promise((r) => setTimeout(r, 1500))]);
      conn.abort.abort();
    },
  };
});
