"""Driver for VideoSDK's ElevenLabs speech-to-text plugin
(`videosdk-plugins-elevenlabs` on PyPI, aiohttp, not the official SDK), in a
venv made by `scribecheck sdks install`:

    python/.venv-videosdk-1.0.30/bin/python python/drive_videosdk.py < plan.json

It drives the plugin only through its public API, as a VideoSDK agent would:
    stt = ElevenLabsSTT(api_key=..., base_url="ws://HOST:PORT/v1/speech-to-text/realtime",
                        sample_rate=..., commit_strategy="manual")
    stt.on("error", callback)              # the server's error frames, as the raw dict
    stt.on_stt_transcript(async_callback)  # STTResponse INTERIM / FINAL
    await stt.process_audio(pcm)           # the first frame (re)connects
    await stt.flush()                      # commit=True
    await stt.aclose()
and VideoSDK's global_event_emitter ("speech_session_started"). The room
transport tells videosdk.agents the inbound format (audio_format.publish);
the driver does the same (mono, the plan's rate), else the plugin assumes
48 kHz stereo.

The plugin has no events of the protocol's names, so each line names what the
app learns, in the protocol's words: "session_started" for
speech_session_started, "partial_transcript" / "committed_transcript" for an
INTERIM / FINAL STTResponse (FINAL comes only from
committed_transcript_with_timestamps, which it asks for), "error" for its
error event (payload: what the plugin passed, the frame's dict for the five
message types it treats as errors). It tells the app of no close.
The socket opens on the first audio frame; the driver's connect is an empty
frame (process_audio(b"")), so session_started can come before the audio.
There is no token: the key goes only into the xi-api-key header.
The contract is in internal/sdks/README.md; what every driver shares is in
driver_common.py.
"""

import base64
import importlib.metadata
import typing

# First: it points stdout at stderr before the plugin can print.
import driver_common as dc

try:
    from videosdk.agents import SpeechEventType, audio_format, global_event_emitter
    from videosdk.plugins.elevenlabs import ElevenLabsSTT
except Exception as e:  # noqa: BLE001
    dc.fail(f"cannot import videosdk-plugins-elevenlabs (run `scribecheck sdks install`): {dc.err_message(e)}")

# What the plugin tells the app, by its own names (the _sdk line's events).
EVENTS = ["speech_session_started", SpeechEventType.INTERIM.value, SpeechEventType.FINAL.value, "error"]
AS_PROTOCOL = {SpeechEventType.INTERIM: "partial_transcript", SpeechEventType.FINAL: "committed_transcript"}


class Connection:
    def __init__(self, stt: typing.Any, on_started: typing.Callable[..., None]) -> None:
        self._stt, self._on_started = stt, on_started

    async def send(self, b64: str) -> None:
        await self._stt.process_audio(base64.b64decode(b64))

    async def commit(self) -> None:
        await self._stt.flush()

    async def close(self, closed: bool) -> None:
        try:
            await self._stt.aclose()
        finally:
            global_event_emitter.off("speech_session_started", self._on_started)


class Driver(dc.HeaderOnlyDriver):
    sdk = "videosdk-plugins-elevenlabs"
    version = importlib.metadata.version("videosdk-plugins-elevenlabs")
    events = EVENTS

    key_env = "ELEVENLABS_API_KEY"

    async def connect(self, plan, api_key, token, emit: dc.Emit) -> Connection:
        audio_format.publish(plan["sample_rate"], 1)
        base = plan.get("ws_url") or plan["base_url"].replace("http", "ws", 1)
        stt = ElevenLabsSTT(api_key=api_key, base_url=base + "/v1/speech-to-text/realtime", model_id=plan["model_id"],
                            sample_rate=plan["sample_rate"], commit_strategy="manual")

        def on_started(*_: typing.Any) -> None:
            emit("session_started", None)

        async def on_transcript(r: typing.Any) -> None:
            emit(AS_PROTOCOL.get(r.event_type, r.event_type.value), {"event_type": r.event_type.value, "text": r.data.text})

        global_event_emitter.on("speech_session_started", on_started)
        stt.on("error", lambda data: emit("error", dc.to_data((data,))))
        stt.on_stt_transcript(on_transcript)
        await stt.process_audio(b"")  # the first frame opens the socket
        return Connection(stt, on_started)


if __name__ == "__main__":
    dc.main(Driver())
