"""Driver for the official ElevenLabs Python SDK (`elevenlabs` on PyPI), 2.x,
any version installed in a venv by `scribecheck sdks install`:

    python/.venv-2.78.0/bin/python python/drive.py < plan.json

It connects only through the SDK's public API, as a user would:
    client = AsyncElevenLabs(api_key=..., base_url=...)
    conn = await client.speech_to_text.realtime.connect({...})
    conn.on(RealtimeEvents.X, callback); await conn.send({"audio_base_64": ...})
    await conn.commit(); await conn.close()
    await client.tokens.single_use.create("realtime_scribe") to mint a token.
The contract (stdin plan, stdout JSON lines) is in internal/sdks/README.md;
what it shares with drive3.py (3.x) is in driver_common.py.
"""

import importlib.metadata
import typing

# First: it points stdout at stderr before the SDK can print.
import driver_common as dc

try:
    from elevenlabs.client import AsyncElevenLabs
    from elevenlabs.realtime import AudioFormat, CommitStrategy, RealtimeAudioOptions, RealtimeEvents
except Exception as e:  # noqa: BLE001
    dc.fail(f"cannot import the elevenlabs SDK's 2.x realtime API (run `scribecheck sdks install`): {dc.err_message(e)}")


class Connection:
    def __init__(self, conn: typing.Any) -> None:
        self._conn = conn

    async def send(self, b64: str) -> None:
        await self._conn.send({"audio_base_64": b64})

    async def commit(self) -> None:
        await self._conn.commit()

    async def close(self, closed: bool) -> None:
        if not closed:
            await self._conn.close()


class Driver(dc.ElevenLabsDriver):
    client_class = AsyncElevenLabs
    sdk = "elevenlabs-python"
    version = importlib.metadata.version("elevenlabs")
    _events = list(dict.fromkeys(ev for ev in RealtimeEvents))  # members, in declaration order
    events = [ev.value for ev in _events]
    # The keys of the options connect() takes (a TypedDict; its bases' keys too).
    options = list(typing.get_type_hints(RealtimeAudioOptions))

    def token_unsupported(self) -> typing.Optional[str]:
        # Feature detection through the public options type: 2.78.0's
        # RealtimeAudioOptions has a "token" key (sent as ?token= with no
        # xi-api-key header); 2.59.0's has none, and its connect() ignores unknown
        # keys and always sends the client's api_key as xi-api-key.
        keys = set(getattr(RealtimeAudioOptions, "__annotations__", {}))
        if "token" in keys:
            return None
        return (
            f"elevenlabs {self.version}: RealtimeAudioOptions has no 'token' key, so "
            "speech_to_text.realtime.connect() cannot authenticate with a single-use token "
            "(it always sends the client's api_key as the xi-api-key header)"
        )

    def connect_options(self, plan: typing.Dict[str, typing.Any], token: typing.Optional[str]) -> typing.Dict[str, typing.Any]:
        try:
            audio_format: typing.Any = AudioFormat(plan["audio_format"])
        except ValueError:
            audio_format = plan["audio_format"]  # not in this version's enum: let the SDK decide
        opts: typing.Dict[str, typing.Any] = {
            "model_id": plan["model_id"],
            "audio_format": audio_format,
            "sample_rate": plan["sample_rate"],
            "commit_strategy": CommitStrategy.MANUAL,
        }
        if token is not None:
            opts["token"] = token
        return opts

    async def connect(self, plan, api_key, token, emit: dc.Emit) -> Connection:
        # With a token, the client still holds the app's key (ElevenLabsDriver);
        # 2.78.0 then sends the token alone (elevenlabs/realtime/scribe.py).
        client = self.client(plan, api_key)
        conn = await client.speech_to_text.realtime.connect(self.connect_options(plan, token))
        # Every event the SDK offers, subscribed as a user would.
        for ev in self._events:
            conn.on(ev, (lambda n: lambda *args: emit(n, dc.to_data(args)))(ev.value))
        return Connection(conn)


if __name__ == "__main__":
    dc.main(Driver())
