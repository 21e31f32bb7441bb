"""Driver for Vision Agents' ElevenLabs speech-to-text plugin
(`vision-agents-plugins-elevenlabs` on PyPI, not official; it runs on the
official SDK, `elevenlabs` <3), in a venv made by `scribecheck sdks install`:

    python/.venv-vision-0.6.9/bin/python python/drive_vision.py < plan.json

It drives the plugin only through its public API, as a Vision Agents agent
does (vision_agents/core/agents/inference/transcribing_flow.py):
    client = AsyncElevenLabs(api_key=..., base_url="http://HOST:PORT")
    stt = elevenlabs.STT(client=client)       # the plugin has no base_url of its own
    stt.events.subscribe(handler)              # STTErrorEvent, STTConnectedEvent, STTDisconnectedEvent
    await stt.start()                          # connects: commit_strategy=vad, include_timestamps=true
    async for item in stt.output: ...          # Transcript (replacement / final), TurnStarted, TurnEnded
    await stt.process_audio(PcmData.from_bytes(pcm, 16000), participant)
    await stt.close()
The plugin commits only through the server's VAD: it has no commit call
(clear() drops queued audio). The driver's commit is what a room sends when
the user stops talking: 1 s of silence through process_audio (the plugin's
vad_silence_threshold_secs is 0.3).

Each line names what the app learns, in the protocol's words:
"partial_transcript" / "committed_transcript" for a Transcript in mode
replacement / final; "turn_started" / "turn_ended"; "error" and "close" for
STTErrorEvent and STTDisconnectedEvent, "stt_connected" for STTConnectedEvent.
The plugin sends none of those three (its stt.py never calls
_emit_error_event, _on_connected or _on_disconnected): it tells the app of no
session, no error and no close, so the driver neither waits for a session
(announces_session) nor for a failure (reports_failures; driver_common.STALL_S).
There is no token: the plugin builds the connect options itself, with none.
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
    from elevenlabs.client import AsyncElevenLabs
    from getstream.video.rtc.track_util import PcmData
    from vision_agents.core.edge.types import Participant
    from vision_agents.core.stt.events import STTConnectedEvent, STTDisconnectedEvent, STTErrorEvent
    from vision_agents.core.stt.stt import Transcript
    from vision_agents.core.turn_detection import TurnEnded, TurnStarted
    from vision_agents.plugins import elevenlabs
except Exception as e:  # noqa: BLE001
    dc.fail(f"cannot import vision-agents-plugins-elevenlabs (run `scribecheck sdks install`): {dc.err_message(e)}")

# What the plugin can tell the app, by its own names (the _sdk line's events):
# the output stream's items, then the STT's events.
EVENTS = ["Transcript(replacement)", "Transcript(final)", "TurnStarted", "TurnEnded",
          STTErrorEvent.type, STTConnectedEvent.type, STTDisconnectedEvent.type]
AS_PROTOCOL = {"replacement": "partial_transcript", "final": "committed_transcript"}

# The silence that ends an utterance for the server's VAD.
COMMIT_SILENCE_S = 1.0


class Connection:
    def __init__(self, stt: typing.Any, reader: "asyncio.Task[None]", participant: typing.Any, rate: int, chunk: int) -> None:
        self._stt, self._reader, self._participant, self._rate, self._chunk = stt, reader, participant, rate, chunk

    async def _audio(self, pcm: bytes) -> None:
        await self._stt.process_audio(PcmData.from_bytes(pcm, sample_rate=self._rate), self._participant)

    async def send(self, b64: str) -> None:
        await self._audio(base64.b64decode(b64))

    async def commit(self) -> None:
        silence = bytes(2 * round(COMMIT_SILENCE_S * self._rate))
        for off in range(0, len(silence), self._chunk):
            await self._audio(silence[off : off + self._chunk])

    async def close(self, closed: bool) -> None:
        await self._stt.close()  # closes its output too, which ends the reader
        await asyncio.wait({self._reader}, timeout=0.5)


class Driver(dc.HeaderOnlyDriver):
    sdk = "vision-agents-plugins-elevenlabs"
    version = importlib.metadata.version("vision-agents-plugins-elevenlabs")
    events = EVENTS
    announces_session = False
    reports_failures = False

    key_env = "ELEVENLABS_API_KEY"

    async def connect(self, plan, api_key, token, emit: dc.Emit) -> Connection:
        client = AsyncElevenLabs(api_key=api_key, base_url=plan["base_url"])
        stt = elevenlabs.STT(model_id=plan["model_id"], client=client)

        async def on_event(ev: typing.Union[STTErrorEvent, STTConnectedEvent, STTDisconnectedEvent]) -> None:
            if isinstance(ev, STTErrorEvent):
                emit("error", {"error": ev.error_message, "code": ev.error_code, "context": ev.context})
            elif isinstance(ev, STTDisconnectedEvent):
                emit("close", {"reason": ev.reason, "clean": ev.clean})
            else:
                emit("stt_connected", None)

        stt.events.subscribe(on_event)

        async def read() -> None:
            async for item in stt.output:
                if isinstance(item, Transcript):
                    emit(AS_PROTOCOL.get(item.mode, item.mode), {"mode": item.mode, "text": item.text})
                elif isinstance(item, TurnStarted):
                    emit("turn_started", None)
                elif isinstance(item, TurnEnded):
                    emit("turn_ended", None)

        reader = asyncio.create_task(read())
        try:
            await stt.start()
        except BaseException:
            reader.cancel()
            raise
        participant = Participant(original=None, user_id="scribecheck", id="scribecheck-1")
        return Connection(stt, reader, participant, plan["sample_rate"], plan["chunk_bytes"])


if __name__ == "__main__":
    dc.main(Driver())
