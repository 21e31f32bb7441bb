"""Driver for pipecat's ElevenLabs realtime speech-to-text service
(`pipecat-ai` on PyPI, websockets, not the official SDK), in a venv made by
`scribecheck sdks install`:

    python/.venv-pipecat-1.14.0/bin/python python/drive_pipecat.py < plan.json

It drives the service only through pipecat's public API, as a pipecat app
would: the service in a Pipeline, run by a PipelineWorker on a WorkerRunner,
frames queued into the pipeline as a transport and its VAD would push them:
    stt = ElevenLabsRealtimeSTTService(api_key=..., base_url="HOST:PORT", sample_rate=...,
                                       settings=ElevenLabsRealtimeSTTService.Settings(model=...))
    worker = PipelineWorker(Pipeline([stt]), params=PipelineParams(audio_in_sample_rate=...))
    await worker.queue_frame(InputAudioRawFrame(pcm, rate, 1))   # one chunk per frame
    await worker.queue_frame(VADUserStoppedSpeakingFrame())       # the commit
    await worker.stop_when_done()                                 # EndFrame: the socket closes
The commit is the VAD's "user stopped speaking": in its default manual
commit strategy the service sends an empty chunk with commit true on
VADUserStoppedSpeakingFrame (services/elevenlabs/stt.py, process_frame), and
on nothing else. Before the first audio the driver queues the
VADUserStartedSpeakingFrame a VAD sends when speech begins.

`base_url` is a bare host:port: the service builds `wss://{base_url}/v1/...`
itself (_connect_websocket), so the matrix serves its fake over TLS (the
line's "tls": true) and websockets trusts the throwaway CA through
SSL_CERT_FILE (ssl.create_default_context).

Each line names what the app learns, in the protocol's words:
"partial_transcript" / "committed_transcript" for an InterimTranscriptionFrame
/ TranscriptionFrame reaching the end of the pipeline (the raw frame's
message_type, kept in the frame's `result`, is in the data), "error" for an
ErrorFrame reaching the worker (on_pipeline_error), "open" / "close" for the
service's on_connected / on_disconnected (no code: the handler has none).
session_started is only logged at debug (_process_response), so the driver
does not wait for one (announces_session). There is no token: the key goes
only into the xi-api-key header.
The contract is in internal/sdks/README.md; what every driver shares is in
driver_common.py.
"""

import asyncio
import base64
import importlib.metadata
import typing

# First: it points stdout at stderr before pipecat's logger takes sys.stderr.
import driver_common as dc

try:
    from pipecat.frames.frames import (
        InputAudioRawFrame,
        InterimTranscriptionFrame,
        TranscriptionFrame,
        VADUserStartedSpeakingFrame,
        VADUserStoppedSpeakingFrame,
    )
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.worker import PipelineParams, PipelineWorker
    from pipecat.services.elevenlabs.stt import ElevenLabsRealtimeSTTService
    from pipecat.workers.runner import WorkerRunner
except Exception as e:  # noqa: BLE001
    dc.fail(f"cannot import pipecat-ai (run `scribecheck sdks install`): {dc.err_message(e)}")

# What pipecat tells the app, by its own names (the _sdk line's events).
EVENTS = ["on_connected", "on_disconnected", "InterimTranscriptionFrame", "TranscriptionFrame", "on_pipeline_error"]
AS_PROTOCOL = {InterimTranscriptionFrame: "partial_transcript", TranscriptionFrame: "committed_transcript"}

# How long the app's EndFrame may take before it cancels the pipeline instead.
END_WAIT = 2.0


def frame_data(frame: typing.Any) -> typing.Dict[str, typing.Any]:
    d = {"frame": type(frame).__name__, "text": frame.text}
    result = getattr(frame, "result", None)
    if isinstance(result, dict):
        d["message_type"] = result.get("message_type")
    if isinstance(frame, TranscriptionFrame):
        d["finalized"] = frame.finalized
    return d


class Connection:
    def __init__(self, worker: typing.Any, run: "asyncio.Task[None]", rate: int) -> None:
        self._worker, self._run, self._rate, self._spoke = worker, run, rate, False

    async def send(self, b64: str) -> None:
        if not self._spoke:
            self._spoke = True
            await self._worker.queue_frame(VADUserStartedSpeakingFrame())
        await self._worker.queue_frame(InputAudioRawFrame(audio=base64.b64decode(b64), sample_rate=self._rate, num_channels=1))

    async def commit(self) -> None:
        await self._worker.queue_frame(VADUserStoppedSpeakingFrame())

    async def close(self, closed: bool) -> None:
        # The app hangs up: an EndFrame drains the pipeline and the service
        # closes its socket (stop → _disconnect); a pipeline that does not end
        # in time is cancelled, as an app's teardown would.
        await self._worker.stop_when_done()
        done, _ = await asyncio.wait({self._run}, timeout=END_WAIT)
        if not done:
            await self._worker.cancel(reason="the app hangs up")
            await asyncio.wait({self._run}, timeout=END_WAIT)


class Driver(dc.HeaderOnlyDriver):
    sdk = "pipecat-ai"
    version = importlib.metadata.version("pipecat-ai")
    events = EVENTS
    announces_session = False

    def token_unsupported(self) -> typing.Optional[str]:
        return "the service has no token option: api_key= (required, no environment fallback) goes only into the xi-api-key header"

    async def connect(self, plan, api_key, token, emit: dc.Emit) -> Connection:
        rate = plan["sample_rate"]
        # A bare host:port: the service adds wss:// itself.
        host = plan["base_url"].split("://", 1)[-1]
        stt = ElevenLabsRealtimeSTTService(api_key=api_key, base_url=host, sample_rate=rate,
                                           settings=ElevenLabsRealtimeSTTService.Settings(model=plan["model_id"]))
        worker = PipelineWorker(Pipeline([stt]), params=PipelineParams(audio_in_sample_rate=rate), enable_rtvi=False)
        worker.set_reached_downstream_filter((TranscriptionFrame, InterimTranscriptionFrame))
        started = asyncio.Event()

        @stt.event_handler("on_connected")
        async def on_connected(_service: typing.Any) -> None:
            emit("open", None)

        @stt.event_handler("on_disconnected")
        async def on_disconnected(_service: typing.Any) -> None:
            emit("close", None)

        @worker.event_handler("on_frame_reached_downstream")
        async def on_frame(_worker: typing.Any, frame: typing.Any) -> None:
            emit(AS_PROTOCOL.get(type(frame), type(frame).__name__), frame_data(frame))

        @worker.event_handler("on_pipeline_error")
        async def on_error(_worker: typing.Any, frame: typing.Any) -> None:
            usable = getattr(frame.processor, "is_usable", None)
            emit("error", {"error": frame.error, "category": dc.to_data((frame.category,)), "usable": usable})

        @worker.event_handler("on_pipeline_started")
        async def on_started(_worker: typing.Any, _frame: typing.Any) -> None:
            started.set()

        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        run = asyncio.create_task(runner.run())
        # The service connects while it is set up, before the StartFrame
        # passes: once the pipeline has started, audio has a socket to go to.
        waiting = asyncio.ensure_future(started.wait())
        await asyncio.wait({run, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if not started.is_set():
            waiting.cancel()
            raise RuntimeError("the pipeline ended before it started")
        return Connection(worker, run, rate)


if __name__ == "__main__":
    dc.main(Driver())
