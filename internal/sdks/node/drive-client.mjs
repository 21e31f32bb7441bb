#!/usr/bin/env node
// Driver for @elevenlabs/client (the browser/agents JS SDK) and its Scribe
// realtime speech-to-text, any version installed under an npm alias in
// internal/sdks/node/package.json:
//
//   node node/drive-client.mjs elevenlabs-client-1.25.0 < plan.json
//
// It connects only through the SDK's public API, as a web app would:
//   Scribe.connect({token, modelId, audioFormat, sampleRate, commitStrategy, baseUri})
//   connection.on(RealtimeEvents.X, ...), .send({audioBase64}), .commit(), .close()
// The SDK has no token minting (an app's backend mints): the driver mints with
// a plain fetch POST {base_url}/v1/single-use-token/realtime_scribe carrying
// xi-api-key, as such a backend would.
//
// WebSocket: Scribe.connect() uses the global WebSocket of a browser. Node 20
// has none without --experimental-websocket and Node 22+ has undici's; so that
// every machine runs the same client, the driver always installs the pinned
// `ws` package (internal/sdks/node/package.json) as globalThis.WebSocket before loading
// the SDK, and says so in the _sdk line ("websocket").

import { main, sdkAlias, installedPackage, sessionOptions, mintByFetch } from "./driver-common.mjs";
import { WebSocket as WS } from "ws";

const alias = sdkAlias("node node/drive-client.mjs <npm alias of @elevenlabs/client, e.g. elevenlabs-client-1.25.0>");

main(async () => {
  const pkg = installedPackage(alias, "@elevenlabs/client");
  const wsPkg = installedPackage("ws", "ws");
  globalThis.WebSocket = WS;

  const sdk = await import(alias);
  const { Scribe, RealtimeEvents } = sdk;
  if (!Scribe || !RealtimeEvents) throw new Error(`${alias} exports no Scribe/RealtimeEvents: no realtime speech-to-text in this version`);

  const wsBase = (plan) => plan.ws_url ?? plan.base_url.replace(/^http/i, "ws");

  return {
    sdk: "elevenlabs-client",
    version: pkg.version,
    events: [...new Set(Object.values(RealtimeEvents))],
    extra: { websocket: `ws ${wsPkg.version} as globalThis.WebSocket` },

    headerUnsupported: () =>
      `@elevenlabs/client ${pkg.version}: Scribe.connect() authenticates only with a single-use token (?token=); it has no API-key option and a browser WebSocket cannot send an xi-api-key header`,

    mint: mintByFetch,

    connect(creds, plan) {
      return Scribe.connect({ token: creds.token, ...sessionOptions(plan, sdk), baseUri: wsBase(plan) });
    },
    send: (conn, b64) => conn.send({ audioBase64: b64 }),
    commit: (conn) => conn.commit(),
    close: (conn) => conn.close(),
  };
});
