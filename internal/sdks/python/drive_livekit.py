"""Driver for LiveKit's ElevenLabs plugin (`livekit-plugins-elevenlabs` on
PyPI, aiohttp, not the official SDK), in a venv made by
`scribecheck sdks install`:

    python/.venv-livekit-1.8.9/bin/python python/drive_livekit.py < plan.json

It drives the plugin only through LiveKit Agents' public STT API, as an agent would:
    stt = elevenlabs.STT(api_key=..., base_url="http://HOST:PORT/v1",
                         model="scribe_v2_realtime", http_session=...)
    stt.on("error", callback)           # an STTError (error, recoverable)
    stream = stt.stream()
    async for ev in stream: ...         # SpeechEvents
    stream.push_frame(rtc.AudioFrame(...)); stream.flush()  # flush = commit
    await stream.aclose()
Each line names what the app learns, in the protocol's words:
"partial_transcript" / "committed_transcript" for INTERIM_TRANSCRIPT /
FINAL_TRANSCRIPT, "error" for the error event; the other SpeechEvent types
keep their own names (start_of_speech, end_of_speech, recognition_usage).
The plugin tells the app of no session and no close (session_started is
logged at debug), so the driver does not wait for one (announces_session).
There is no token: the key goes only into the xi-api-key header.
The contract is in internal/sdks/README.md; what every driver shares is in
driver_common.py.
"""

import asyncio
import base64
import importlib.metadata
import typing

# First: it points stdout at stderr before the plugin can print.
import driver_common as dc

try:
    import aiohttp
    from livekit import rtc
    from livekit.agents import stt as agents_stt
    from livekit.plugins import elevenlabs
except Exception as e:  # noqa: BLE001
    dc.fail(f"cannot import livekit-plugins-elevenlabs (run `scribecheck sdks install`): {dc.err_message(e)}")

AS_PROTOCOL = {
    agents_stt.SpeechEventType.INTERIM_TRANSCRIPT: "partial_transcript",
    agents_stt.SpeechEventType.FINAL_TRANSCRIPT: "committed_transcript",
}


def event_data(ev: typing.Any) -> typing.Any:
    alts = getattr(ev, "alternatives", None) or []
    return {"type": ev.type.value, "text": alts[0].text} if alts else {"type": ev.type.value}


class Connection:
    def __init__(self, stream: typing.Any, reader: "asyncio.Task[None]", session: typing.Any, rate: int) -> None:
        self._stream, self._reader, self._session, self._rate = stream, reader, session, rate

    async def send(self, b64: str) -> None:
        pcm = base64.b64decode(b64)
        self._stream.push_frame(rtc.AudioFrame(pcm, self._rate, 1, len(pcm) // 2))

    async def commit(self) -> None:
        self._stream.flush()

    async def close(self, closed: bool) -> None:
        try:
            await self._stream.aclose()
            await asyncio.wait({self._reader}, timeout=0.5)
        finally:
            await self._session.close()


class Driver(dc.HeaderOnlyDriver):
    sdk = "livekit-plugins-elevenlabs"
    version = importlib.metadata.version("livekit-plugins-elevenlabs")
    events = [t.value for t in agents_stt.SpeechEventType] + ["error"]
    announces_session = False

    key_env = "ELEVEN_API_KEY"

    async def connect(self, plan, api_key, token, emit: dc.Emit) -> Connection:
        session = aiohttp.ClientSession()
        stt = elevenlabs.STT(api_key=api_key, base_url=plan["base_url"] + "/v1", model=plan["model_id"],
                             sample_rate=plan["sample_rate"], http_session=session)
        stt.on("error", lambda err: emit("error", {"error": dc.err_message(err.error), "recoverable": err.recoverable}))
        stream = stt.stream()

        async def read() -> None:
            try:
                async for ev in stream:
                    emit(AS_PROTOCOL.get(ev.type, ev.type.value), event_data(ev))
            except Exception as e:  # noqa: BLE001
                emit("error", {"error": dc.err_message(e), "raised": "by the stream's iterator"})

        return Connection(stream, asyncio.create_task(read()), session, plan["sample_rate"])


if __name__ == "__main__":
    dc.main(Driver())
