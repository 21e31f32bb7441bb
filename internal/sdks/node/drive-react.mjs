#!/usr/bin/env node
// Driver for @elevenlabs/react's useScribe hook (which wraps @elevenlabs/client's
// Scribe), any version installed under an npm alias in
// internal/sdks/node/package.json, rendered by the pinned react and
// react-test-renderer (a React renderer that needs no DOM):
//
//   node node/drive-react.mjs elevenlabs-react-1.15.2 < plan.json
//
// It connects only through the hook's public API, as a component would: one
// component per session calls useScribe({modelId, audioFormat, sampleRate,
// commitStrategy, baseUri, on…}) with callbacks of stable identity (defined
// once, as a careful app does: new ones each render make its connect change and
// an autoConnect effect reconnect), then the driver calls the hook's
// connect({token}), sendAudio(b64), commit(), disconnect().
// Events are the hook's callbacks, named without "on" (SessionStarted,
// CommittedTranscript, AuthError, Error, Disconnect, …). Token only, minted as
// an app's backend would (mintByFetch); `ws` is the global WebSocket, as for
// drive-client.mjs.

import { WebSocket as WS } from "ws";
import { main, sdkAlias, installedPackage, sessionOptions, mintByFetch } from "./driver-common.mjs";

const alias = sdkAlias("node node/drive-react.mjs <npm alias of @elevenlabs/react, e.g. elevenlabs-react-1.15.2>");

const CALLBACKS = ["onSessionStarted", "onPartialTranscript", "onCommittedTranscript", "onCommittedTranscriptWithTimestamps", "onError", "onAuthError",
  "onQuotaExceededError", "onCommitThrottledError", "onTranscriberError", "onUnacceptedTermsError", "onRateLimitedError", "onInputError",
  "onQueueOverflowError", "onResourceExhaustedError", "onSessionTimeLimitExceededError", "onChunkSizeExceededError",
  "onInsufficientAudioActivityError", "onConnect", "onDisconnect"];

main(async () => {
  const pkg = installedPackage(alias, "@elevenlabs/react");
  const clientPkg = installedPackage("@elevenlabs/client", "@elevenlabs/client");
  const reactPkg = installedPackage("react", "react");
  const wsPkg = installedPackage("ws", "ws");
  globalThis.WebSocket = WS;
  const React = (await import("react")).default;
  const TestRenderer = (await import("react-test-renderer")).default;
  const { useScribe } = await import(alias);
  if (!useScribe) throw new Error(`${alias} exports no useScribe: no realtime speech-to-text in this version`);
  const clientSdk = await import("@elevenlabs/client");

  return {
    sdk: "elevenlabs-react",
    version: pkg.version,
    events: CALLBACKS.map((c) => c.slice(2)),
    terminal: ["CommittedTranscript", "Error", "Disconnect"],
    started: ["SessionStarted", "Disconnect"],
    extra: { client: clientPkg.version, react: reactPkg.version, websocket: `ws ${wsPkg.version} as globalThis.WebSocket` },

    headerUnsupported: () =>
      `@elevenlabs/react ${pkg.version}: useScribe's connect() takes only a single-use token (it throws "Token is required" without one): no API-key option`,

    mint: mintByFetch,

    connect(creds, plan) {
      const listeners = new Map();
      const emit = (ev, data) => (listeners.get(ev) ?? []).forEach((fn) => fn(data));
      const callbacks = Object.fromEntries(CALLBACKS.map((c) => [c, (arg) => emit(c.slice(2), arg ?? null)]));
      const options = { ...sessionOptions(plan, clientSdk), baseUri: plan.ws_url ?? plan.base_url.replace(/^http/i, "ws"), ...callbacks };
      const hook = {};
      function Session() {
        Object.assign(hook, useScribe(options));
        return null;
      }
      let renderer;
      TestRenderer.act(() => {
        renderer = TestRenderer.create(React.createElement(Session));
      });
      const conn = { on: (ev, fn) => listeners.set(ev, [...(listeners.get(ev) ?? []), fn]), hook, renderer };
      return hook.connect({ token: creds.token }).then(() => conn);
    },
    send: (conn, b64) => conn.hook.sendAudio(b64),
    commit: (conn) => conn.hook.commit(),
    close(conn) {
      conn.hook.disconnect();
      conn.renderer.unmount();
    },
  };
});
