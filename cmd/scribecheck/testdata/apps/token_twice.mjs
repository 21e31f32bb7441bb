// Mints one realtime_scribe token and presents it on two sockets, one after the other.
const base = process.env.SCRIBECHECK_BASE_URL, ws = process.env.SCRIBECHECK_WS_URL;
const r = await fetch(base + "/v1/single-use-token/realtime_scribe", { method: "POST", headers: { "xi-api-key": process.env.ELEVENLABS_API_KEY } });
const { token } = await r.json();
for (let i = 0; i < 2; i++) {
  await new Promise((resolve) => {
    const s = new WebSocket(`${ws}/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token=${token}`);
    s.onmessage = (m) => {
      console.log(`socket ${i + 1}: ${JSON.parse(m.data).message_type}`);
      if (JSON.parse(m.data).message_type === "session_started") s.close(1000);
    };
    s.onclose = () => resolve();
  });
}
