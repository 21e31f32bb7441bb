"""Driver for the official ElevenLabs Python SDK (`elevenlabs` on PyPI), 3.x
(the generated socket client; 3.0.0a1 first), in a venv made by
`scribecheck sdks install`:

    python/.venv-3.0.0a1/bin/python python/drive3.py < plan.json

It connects only through the SDK's public API and types, as a user would:
    client = AsyncElevenLabs(api_key=..., base_url=...)
    async with client.speech_to_text.realtime(model_id=..., token=..., ...) as conn:
        conn.on(EventType.MESSAGE, callback)      # also OPEN, ERROR, CLOSE
        task = asyncio.create_task(conn.start_listening())
        await conn.send_publish(InputAudioChunk(audio_base_64=..., commit=False))
        await conn.send_publish(InputAudioChunk(audio_base_64="", commit=True))
    await client.tokens.single_use.create("realtime_scribe") to mint a token.
Each message arrives as an instance of one class of the SDK's union
(ReceiveTranscription); an app tells them apart by class, so the event a line
names is the message type that class stands for (its message_type literal,
else its name: PartialTranscript is partial_transcript), and the payload shows
the frame's own message_type.
InputAudioChunk's message_type is optional with no default, and it has no
sample_rate field (extra fields are allowed): the driver builds each chunk
from the fields the type declares, as an app written against it would, so
chunks go out without either (docs/protocol.md §10; whether live accepts
that is unconfirmed: the fake's chunk-without-message-type choice).
The contract is in internal/sdks/README.md;
what it shares with drive.py (2.x) is in driver_common.py.
"""

import asyncio
import contextlib
import importlib.metadata
import inspect
import re
import typing

# First: it points stdout at stderr before the SDK can print.
import driver_common as dc

try:
    from elevenlabs import InputAudioChunk
    from elevenlabs.client import AsyncElevenLabs
    from elevenlabs.core import EventType
    from elevenlabs.speech_to_text.client import AsyncSpeechToTextClient
    from elevenlabs.speech_to_text.types import ReceiveTranscription
except Exception as e:  # noqa: BLE001
    dc.fail(f"cannot import the elevenlabs SDK's 3.x realtime API (run `scribecheck sdks install`): {dc.err_message(e)}")


def message_event(cls: type) -> str:
    """The message type an SDK class stands for: the default of its
    message_type literal (ScribeThrottledError is commit_throttled), else its
    name in snake case without the Scribe prefix (ScribeWarning is warning)."""
    field = getattr(cls, "model_fields", {}).get("message_type")
    if field is not None and isinstance(field.default, str):
        return field.default
    name = re.sub(r"^Scribe", "", cls.__name__)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


MESSAGE_CLASSES = typing.get_args(ReceiveTranscription)


def on_message(emit: dc.Emit, msg: typing.Any) -> None:
    if isinstance(msg, MESSAGE_CLASSES):
        emit(message_event(type(msg)), dc.to_data((msg.dict(),)), getattr(msg, "message_type", None))
    else:  # what the SDK hands over without a class of its union (bytes, a JSON null)
        emit(EventType.MESSAGE.value, dc.to_data((msg,)))


class Connection:
    def __init__(self, conn: typing.Any, stack: contextlib.AsyncExitStack, listening: "asyncio.Task[None]") -> None:
        self._conn, self._stack, self._listening = conn, stack, listening

    def _chunk(self, b64: str, commit: bool) -> typing.Any:
        # The fields the type declares (types/input_audio_chunk.py): its
        # message_type is optional with no default and it has no sample_rate.
        return InputAudioChunk(audio_base_64=b64, commit=commit)

    async def send(self, b64: str) -> None:
        await self._conn.send_publish(self._chunk(b64, False))

    async def commit(self) -> None:
        await self._conn.send_publish(self._chunk("", True))

    async def close(self, closed: bool) -> None:
        # The end of the app's `async with` block, whether or not the server
        # closed first; then the listening task ends (its exception, if any,
        # left unretrieved as an app that never awaits it would).
        await self._stack.aclose()
        await asyncio.wait({self._listening}, timeout=0.5)


class Driver(dc.ElevenLabsDriver):
    client_class = AsyncElevenLabs
    sdk = "elevenlabs-python"
    version = importlib.metadata.version("elevenlabs")
    # The keyword options of speech_to_text.realtime() (speech_to_text/client.py).
    options = [p for p in inspect.signature(AsyncSpeechToTextClient.realtime).parameters if p not in ("self", "request_options")]
    events = list(dict.fromkeys([EventType.OPEN.value, *(message_event(c) for c in MESSAGE_CLASSES), EventType.ERROR.value, EventType.CLOSE.value]))

    def token_unsupported(self) -> typing.Optional[str]:
        return None  # realtime(token=...) puts it in the query

    async def connect(self, plan, api_key, token, emit: dc.Emit) -> Connection:
        # The client holds the app's key with a token too (ElevenLabsDriver):
        # get_headers() sends it as xi-api-key beside ?token= (core/client_wrapper.py).
        client = self.client(plan, api_key)
        stack = contextlib.AsyncExitStack()
        # Every option is a string in 3.x; it has no sample_rate option.
        conn = await stack.enter_async_context(
            client.speech_to_text.realtime(model_id=plan["model_id"], token=token, audio_format=plan["audio_format"], commit_strategy="manual")
        )
        conn.on(EventType.OPEN, lambda _: emit(EventType.OPEN.value, None))
        conn.on(EventType.MESSAGE, lambda msg: on_message(emit, msg))
        conn.on(EventType.ERROR, lambda exc: emit(EventType.ERROR.value, dc.to_data((exc,))))
        conn.on(EventType.CLOSE, lambda _: emit(EventType.CLOSE.value, None))
        return Connection(conn, stack, asyncio.create_task(conn.start_listening()))


if __name__ == "__main__":
    dc.main(Driver())
