#!/usr/bin/env node
// Driver for @elevenlabs/elevenlabs-js (the server-side JS SDK), any version
// installed under an npm alias in internal/sdks/node/package.json:
//
//   node node/drive-elevenlabs-js.mjs elevenlabs-js-2.73.0 < plan.json
//
// It connects only through the SDK's public API, as a user would:
//   new ElevenLabsClient({apiKey, baseUrl}).speechToText.realtime.connect({...})
//   connection.on(RealtimeEvents.X, ...), .send({audioBase64}), .commit(), .close()
//   client.tokens.singleUse.create("realtime_scribe") to mint a token.
// The contract (stdin plan, stdout JSON lines) is in internal/sdks/README.md.

import { createRequire } from "node:module";
import { main, sdkAlias, installedPackage, sessionOptions } from "./driver-common.mjs";

const alias = sdkAlias("node node/drive-elevenlabs-js.mjs <npm alias of @elevenlabs/elevenlabs-js, e.g. elevenlabs-js-2.73.0>");

main(async () => {
  const pkg = installedPackage(alias, "@elevenlabs/elevenlabs-js");
  const sdk = createRequire(import.meta.url)(alias);
  const { ElevenLabsClient, RealtimeEvents } = sdk;
  if (!RealtimeEvents || !ElevenLabsClient) throw new Error(`${alias} exports no RealtimeEvents/ElevenLabsClient: no realtime speech-to-text in this version`);
  const options = (plan) => sessionOptions(plan, sdk);

  return {
    sdk: "elevenlabs-js",
    version: pkg.version,
    events: [...new Set(Object.values(RealtimeEvents))],

    // Feature detection of the token option of speechToText.realtime.connect(),
    // without touching the network: a client holding no API key is asked to
    // connect with a token and an empty modelId. A version with the option
    // (2.73.0) skips the key check when a token is given and stops at
    // "modelId is required"; a version without it (2.56.0: connect() always
    // requires the client's API key, sends it as xi-api-key and never puts a
    // token in the URL) stops at "API key is required".
    async tokenUnsupported(plan) {
      const keyless = new ElevenLabsClient({ apiKey: "", baseUrl: plan.base_url });
      try {
        const c = await keyless.speechToText.realtime.connect({ ...options(plan), modelId: "", token: "probe" });
        c?.close?.();
      } catch (e) {
        if (/API key is required/i.test(String(e?.message))) {
          return `elevenlabs-js ${pkg.version}: speechToText.realtime.connect() has no token option (it requires the client's API key and sends it as the xi-api-key header; with a token and no key it throws "${e.message}")`;
        }
      }
      return null;
    },

    async mint(apiKey, plan) {
      const client = new ElevenLabsClient({ apiKey, baseUrl: plan.base_url });
      const r = await client.tokens.singleUse.create("realtime_scribe");
      return r?.token;
    },

    async connect(creds, plan) {
      if (creds.token !== undefined) {
        // Token only: the client holds no API key (the constructor insists on
        // one being passed, "" satisfies it), the token goes in the options.
        const client = new ElevenLabsClient({ apiKey: "", baseUrl: plan.base_url });
        return client.speechToText.realtime.connect({ ...options(plan), token: creds.token });
      }
      const client = new ElevenLabsClient({ apiKey: creds.apiKey, baseUrl: plan.base_url });
      return client.speechToText.realtime.connect(options(plan));
    },
    send: (conn, b64) => conn.send({ audioBase64: b64 }),
    commit: (conn) => conn.commit(),
    close: (conn) => conn.close(),
  };
});
