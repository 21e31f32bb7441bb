// A session on a fresh token: 100 ms chunks of a 440 Hz tone, a commit, the
// committed transcript, then (by MODE) a clean close, a SIGKILL of this very
// process, or streaming on until the server goes away. Streaming on, after
// its 15th chunk it sends a frame of no known type, which a server answers
// with input_error once it has read every chunk before it, and says
// "answered" then.
const mode = process.argv[2] ?? "normal";
const r = await fetch(process.env.SCRIBECHECK_BASE_URL + "/v1/single-use-token/realtime_scribe", { method: "POST", headers: { "xi-api-key": process.env.ELEVENLABS_API_KEY } });
const { token } = await r.json();
const s = new WebSocket(`${process.env.SCRIBECHECK_WS_URL}/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token=${token}`);
const chunk = Buffer.alloc(3200);
for (let i = 0; i < 1600; i++) chunk.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000)), 2 * i);
const frame = (commit) => JSON.stringify({ message_type: "input_audio_chunk", audio_base_64: chunk.toString("base64"), commit, sample_rate: 16000 });
let sent = 0;
s.onopen = () => {
  for (let i = 0; i < 9; i++) { s.send(frame(false)); sent++; }
  s.send(frame(true)); sent++;
};
s.onmessage = (m) => {
  const t = JSON.parse(m.data).message_type;
  if (t === "input_error" && mode === "forever") console.log(`answered after ${sent} frames`);
  if (t !== "committed_transcript") return;
  console.log(`committed after ${sent} frames`);
  if (mode === "die") process.kill(process.pid, "SIGKILL");
  if (mode === "forever") setInterval(() => {
    try {
      s.send(frame(false)); sent++; console.log(`sent ${sent}`);
      if (sent === 15) s.send(JSON.stringify({ message_type: "scribecheck_barrier" }));
    } catch {}
  }, 20);
  else s.close(1000, "done");
};
s.onclose = () => { if (mode === "forever") process.exit(0); };
