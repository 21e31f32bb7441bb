"""What every Python driver shares (internal/sdks/README.md, "the driver
contract"): the JSON lines on stdout, the scrubbing of keys and tokens, crash
capture, the plan, the per-scenario cap, the lanes (all at once, each its
scenarios in order), and the session loop (wait for session_started, send the
file, with a silence halfway when the scenario has a pause_ms, commit, wait
for quiet, close). It imports no SDK: a driver (drive.py for the 2.x API,
drive3.py for the 3.x API) passes main() an object that connects through its
SDK's public API (see Driver).
"""

import asyncio
import base64
import contextvars
import enum
import gc
import json
import os
import sys
import threading
import time
import typing
import weakref

# stdout carries only the contract's JSON lines. The SDK print()s (e.g.
# "Error in event handler for ..."), so file descriptor 1 is pointed at stderr
# for everything else and the driver writes its lines to a private copy.
# Whatever Python writes to stdout or stderr is scrubbed of secrets too.
_OUT = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
os.dup2(2, 1)

_SECRETS: typing.Set[str] = set()


def scrub(text: str) -> str:
    for s in _SECRETS:
        text = text.replace(s, "[redacted]")
    return text


class _ScrubbedStderr:
    def __init__(self, stream: typing.TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(scrub(text))

    def __getattr__(self, name: str) -> typing.Any:
        return getattr(self._stream, name)


sys.stderr = _ScrubbedStderr(sys.stderr)  # type: ignore[assignment]
sys.stdout = sys.stderr


def add_secret(s: typing.Any) -> None:
    if isinstance(s, str) and len(s) >= 4:
        _SECRETS.add(s)


def _default(v: typing.Any) -> typing.Any:
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode("utf-8", "replace")
    if isinstance(v, BaseException):
        return {"error_class": type(v).__name__, "message": str(v)}
    if isinstance(v, (set, frozenset, tuple)):
        return list(v)
    return str(v)


def out(obj: typing.Dict[str, typing.Any]) -> None:
    """One JSON line, flushed, with every known key and token scrubbed."""
    try:
        line = json.dumps(obj, default=_default, separators=(",", ":"))
    except (TypeError, ValueError):
        line = json.dumps({k: (v if isinstance(v, (str, int, float, type(None))) else str(v)) for k, v in obj.items()}, separators=(",", ":"))
    _OUT.write(scrub(line) + "\n")
    _OUT.flush()


def err_message(e: BaseException) -> str:
    msg = str(e)
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def fail(msg: str) -> "typing.NoReturn":
    sys.stderr.write(f"driver error: {msg}\n")
    sys.stderr.flush()
    os._exit(2)


def to_data(args: typing.Tuple[typing.Any, ...]) -> typing.Any:
    if not args:
        return None
    v = args[0] if len(args) == 1 else list(args)
    try:
        return json.loads(json.dumps(v, default=_default))
    except (TypeError, ValueError):
        return str(v)


# --- crashes: what would reach a normal app as an unhandled error ---------------
#
# The plan's lanes run at once on one event loop, so a crash belongs to the
# scenario whose code made the task, callback or thread it came from: each
# lane's task sets _scenario (its context is its own), every task is noted
# with the scenario that created it (_task_factory), a callback carries its
# context, and a thread the scenario it was started from (_thread_start).

_scenario: "contextvars.ContextVar[typing.Optional[str]]" = contextvars.ContextVar("scribecheck_scenario", default=None)
_task_scenario: "weakref.WeakKeyDictionary[typing.Any, typing.Optional[str]]" = weakref.WeakKeyDictionary()
_running: typing.Set[str] = set()


def _crash(what: str, owner: typing.Optional[str]) -> None:
    if owner:
        out({"scenario": owner, "event": "_crash", "error": what})
        return
    # Made outside any scenario's code (a pool the lanes share): each
    # running scenario hears of it, as each of their apps would.
    running = sorted(_running)
    for name in running:
        out({"scenario": name, "event": "_crash", "error": what + ("" if len(running) == 1 else f" (from code no one scenario made; {len(running)} were running)")})


def _task_factory(loop: asyncio.AbstractEventLoop, coro: typing.Any, **kwargs: typing.Any) -> "asyncio.Task[typing.Any]":
    task = asyncio.Task(coro, loop=loop, **kwargs)
    _task_scenario[task] = (kwargs.get("context") or contextvars.copy_context()).get(_scenario)
    return task


def _loop_exception_handler(loop: asyncio.AbstractEventLoop, context: typing.Dict[str, typing.Any]) -> None:
    # Exceptions that escape the SDK's background tasks ("Task exception was
    # never retrieved"), callbacks scheduled on the loop, and the like.
    exc = context.get("exception")
    msg = context.get("message", "unhandled exception in the event loop")
    owner = _scenario.get()
    for k in ("task", "future"):
        f = context.get(k)
        if f is not None and f in _task_scenario:
            owner = _task_scenario[f]
    handle_ctx = getattr(context.get("handle"), "_context", None)
    if isinstance(handle_ctx, contextvars.Context):
        owner = handle_ctx.get(_scenario)
    _crash(f"{msg}: {err_message(exc)}" if exc else msg, owner)


_thread_start = threading.Thread.start


def _start_noting_scenario(self: threading.Thread) -> None:
    self._scribecheck_scenario = _scenario.get()  # type: ignore[attr-defined]
    _thread_start(self)


threading.Thread.start = _start_noting_scenario  # type: ignore[method-assign]


def _thread_excepthook(args: typing.Any) -> None:
    owner = getattr(args.thread, "_scribecheck_scenario", None)
    _crash(f"exception in thread {getattr(args.thread, 'name', '?')}: {err_message(args.exc_value)}", owner)


threading.excepthook = _thread_excepthook


# --- the plan -----------------------------------------------------------------


def read_plan() -> typing.Dict[str, typing.Any]:
    try:
        plan = json.loads(sys.stdin.read())
    except Exception as e:  # noqa: BLE001
        fail(f"the plan on stdin is not JSON: {e}")
    for k in ("base_url", "audio_file", "audio_format", "sample_rate", "model_id", "chunk_bytes", "quiet_ms", "max_ms", "scenarios"):
        if k not in plan:
            fail(f'the plan lacks "{k}"')
    if not isinstance(plan["scenarios"], list):
        fail('the plan\'s "scenarios" is not a list')
    if not (isinstance(plan["chunk_bytes"], int) and plan["chunk_bytes"] > 0):
        fail("chunk_bytes must be a positive integer")
    for s in plan["scenarios"]:
        add_secret(s.get("api_key"))
        for k in ("pause_ms", "lane"):
            v = s.get(k, 0)
            if not (isinstance(v, int) and v >= 0):
                fail(f'scenario {s.get("name")}: {k} must be a non-negative integer')
    return plan


class CapTimeout(Exception):
    pass


async def capped(coro: typing.Awaitable[typing.Any], deadline: float, stall_s: typing.Optional[float] = None) -> typing.Any:
    """One call into the SDK, bounded by what is left of the scenario's budget,
    and by stall_s when given (see STALL_S).

    asyncio.timeout() (3.11+) runs the call in the caller's own task, as a user's
    plain `await` would. asyncio.wait_for() would wrap it in a new task, and the
    loop iterations it takes to hand back the result let the SDK's message task
    consume (and emit, to no listener yet) session_started and the first error
    frames before the driver could subscribe.
    """
    left = max(0.0, deadline - time.monotonic())
    stalled = stall_s is not None and stall_s < left
    if stalled:
        left = typing.cast(float, stall_s)
    try:
        if hasattr(asyncio, "timeout"):
            async with asyncio.timeout(left):
                return await coro
        return await asyncio.wait_for(coro, timeout=left)
    except (asyncio.TimeoutError, TimeoutError):
        if stalled:
            raise CapTimeout(f"stalled: no answer within {round(left * 1000)} ms (the driver's cap on one call of a client that reports no failures)") from None
        raise CapTimeout(f"no answer within the driver's cap ({round(left * 1000)} ms left of the scenario's max_ms+pause_ms+2000)") from None


# --- the session loop -------------------------------------------------------------

TERMINAL = {"committed_transcript", "error", "close"}

# CLOSE_WAIT_S bounds the wait for the close an app's own close brings
# (driver-common.mjs's CLOSE_WAIT_MS).
CLOSE_WAIT_S = 2.0
# An input_error after the commit was sent ends the wait too: the server
# refused a frame as the commit went out (3.0.0a1's chunks without
# message_type: every one, the commit included), so no transcript is due
# and an app waiting on one would wait out its cap; later events still reset
# the quiet timer, so none is lost.
REFUSED_AFTER_COMMIT = "input_error"

# A client that tells its app of no error and no close (a driver's
# reports_failures False) leaves nothing to end a wait on when the server
# fails or closes. Its app's audio calls are what shows it: each send and the
# commit is capped at STALL_S (an audio call that does not return is what
# such an app sees of a lost socket), and the waits also end once the app
# has heard nothing for IDLE_S since its commit: what it heard by then is
# the outcome, nothing included.
STALL_S = 1.0
IDLE_S = 2.0

# Emit is how a driver's SDK callbacks report an event: its name (the SDK's
# own), its payload, already JSON-able (to_data), and optionally the frame's
# message_type on the wire, when the SDK names it otherwise: the waits end on
# what the server sent, whatever the SDK calls it.
Emit = typing.Callable[..., None]


class Connection(typing.Protocol):
    async def send(self, b64: str) -> None: ...
    async def commit(self) -> None: ...
    async def close(self, closed: bool) -> None:
        """Ends the session; closed says the SDK already reported a close."""


class Driver(typing.Protocol):
    sdk: str
    version: str
    events: typing.List[str]  # every event the SDK offers, in its order

    def token_unsupported(self) -> typing.Optional[str]:
        """Why this version cannot connect with a token, or None."""

    async def mint(self, plan: typing.Dict[str, typing.Any], api_key: str) -> str: ...

    async def connect(self, plan: typing.Dict[str, typing.Any], api_key: typing.Optional[str], token: typing.Optional[str], emit: Emit) -> Connection:
        """Connects through the SDK and subscribes emit to every event, with no
        await between the SDK's connect returning and the subscription."""


class ElevenLabsDriver:
    """What the 2.x and 3.x drivers do alike, through the SDK's AsyncElevenLabs
    (client_class, which each driver imports): a client per session, and a
    realtime_scribe token minted with client.tokens.single_use.create.
    The token session goes through a client made with the app's key, as a
    Python backend that mints one holds it (and as AsyncElevenLabs() does by
    default, from ELEVENLABS_API_KEY): what the SDK then sends beside the
    token is its own choice (2.78.0 the token alone, 3.0.0a1 the xi-api-key
    header too; docs/protocol.md §10)."""

    client_class: typing.Any

    def client(self, plan: typing.Dict[str, typing.Any], api_key: typing.Optional[str]) -> typing.Any:
        return self.client_class(api_key=api_key, base_url=plan["base_url"])

    async def mint(self, plan: typing.Dict[str, typing.Any], api_key: str) -> str:
        r = await self.client(plan, api_key).tokens.single_use.create("realtime_scribe")
        return r.token


class HeaderOnlyDriver:
    """A client with no token option (a framework's plugin): the token
    scenarios are _unsupported. key_env names where else it takes the key."""

    key_env: str

    def token_unsupported(self) -> typing.Optional[str]:
        return f"the plugin has no token option: the key goes only into the xi-api-key header (api_key=, else {self.key_env})"

    async def mint(self, plan: typing.Dict[str, typing.Any], api_key: str) -> str:
        raise NotImplementedError("no token path")


async def run_session(drv: Driver, plan, audio: bytes, name: str, auth: str, attempt: int, deadline: float, api_key=None, token=None, pause: float = 0.0) -> None:
    """One connect, send, commit, wait, close. deadline is the scenario's: every
    call and wait of every attempt ends by it. pause (s): after half the
    chunks the app sends nothing for that long (the scenario's pause_ms)."""
    t0 = time.monotonic()
    # The waits end max_ms after connect (after the silence, if any), and early enough to close within the scenario's cap.
    wait_end = min(t0 + plan["max_ms"] / 1000.0, deadline - 0.15)
    out({"scenario": name, "event": "_connect", "auth": auth, "attempt": attempt})

    state = {"last": time.monotonic(), "terminal": False, "closed": False, "commit_sent": False}
    woken, closed = asyncio.Event(), asyncio.Event()

    def on_event(ev: str, data: typing.Any, wire: typing.Optional[str] = None) -> None:
        state["last"] = time.monotonic()
        out({"scenario": name, "event": ev, "data": data})
        if ev in TERMINAL or wire in TERMINAL or (state["commit_sent"] and REFUSED_AFTER_COMMIT in (ev, wire)):
            state["terminal"] = True
        if ev == "close":
            state["closed"] = True
            closed.set()
        if ev in ("session_started", "error", "close"):
            woken.set()

    try:
        conn = await capped(drv.connect(plan, api_key, token, on_event), deadline)
    except Exception as e:  # noqa: BLE001
        out({"scenario": name, "event": "_exception", "where": "connect", "error": err_message(e)})
        return

    # A client that tells the app of no session (announces_session False)
    # gives it nothing to wait for: its app sends at once.
    if getattr(drv, "announces_session", True):
        try:
            await asyncio.wait_for(woken.wait(), timeout=max(0.0, min(3.0, wait_end - time.monotonic())))
        except asyncio.TimeoutError:
            pass

    silent = not getattr(drv, "reports_failures", True)
    stall = STALL_S if silent else None
    chunk = plan["chunk_bytes"]
    offsets = range(0, len(audio), chunk)
    half = offsets[len(offsets) // 2] if pause and offsets else None
    for off in offsets:
        if off == half:
            await silence(name, pause, deadline, state)
            wait_end = min(time.monotonic() + plan["max_ms"] / 1000.0, deadline - 0.15)
        b64 = base64.b64encode(audio[off : off + chunk]).decode("ascii")
        try:
            await capped(conn.send(b64), deadline, stall)
        except Exception as e:  # noqa: BLE001
            out({"scenario": name, "event": "_exception", "where": "send", "error": err_message(e)})
            break
    state["commit_sent"] = True
    # When the SDK's commit raises (not the driver's cap), the app has been
    # told it failed: like a terminal event, it ends the wait once quiet_ms
    # passes without an event (driver-common.mjs's commitFailed).
    commit_failed = False
    try:
        await capped(conn.commit(), deadline, stall)
    except Exception as e:  # noqa: BLE001
        out({"scenario": name, "event": "_exception", "where": "commit", "error": err_message(e)})
        commit_failed = not isinstance(e, CapTimeout)
    committed = time.monotonic()

    quiet = plan["quiet_ms"] / 1000.0
    while True:
        now = time.monotonic()
        if now >= wait_end:
            break
        if state["terminal"] and now - state["last"] >= quiet:
            break
        if commit_failed and now - max(state["last"], committed) >= quiet:
            break
        if silent and now - max(state["last"], committed) >= IDLE_S:
            break
        await asyncio.sleep(min(0.025, wait_end - now))

    closed_first = state["closed"]
    try:
        await capped(conn.close(closed_first), deadline)
    except Exception as e:  # noqa: BLE001
        out({"scenario": name, "event": "_exception", "where": "close", "error": err_message(e)})
    # A client that tells its app of a close: the app waits for the one its
    # own close brings (at most CLOSE_WAIT_S), so that a run on a busy
    # machine and its replay end on the same event, not on whichever came
    # within the 0.1 s below.
    if not closed_first and "close" in drv.events:
        try:
            await asyncio.wait_for(closed.wait(), timeout=max(0.0, min(CLOSE_WAIT_S, deadline - time.monotonic())))
        except asyncio.TimeoutError:
            pass
    await asyncio.sleep(max(0.0, min(0.1, deadline - time.monotonic())))
    # Let an exception nobody retrieved from a finished SDK task reach the loop's handler now.
    del conn
    gc.collect()


async def silence(name: str, pause: float, deadline: float, state: typing.Dict[str, typing.Any]) -> None:
    """The app pushes nothing for pause seconds (as far as the scenario's cap
    allows: however long the connect took, never less): no audio call at
    all, as an app whose user went quiet or muted (whatever the client sends
    meanwhile, a keepalive, is its own doing). A close or error heard in the
    silence ends no wait: what counts is what the app hears after it, so the
    waits start over once the _paused line is out."""
    t = time.monotonic()
    await asyncio.sleep(max(0.0, min(pause, deadline - 0.15 - t)))
    out({"scenario": name, "event": "_paused", "ms": round((time.monotonic() - t) * 1000)})
    state["terminal"] = False
    state["last"] = time.monotonic()


async def run_scenario(drv: Driver, plan, audio: bytes, s: typing.Dict[str, typing.Any]) -> None:
    name, auth = s.get("name"), s.get("auth")
    pause = s.get("pause_ms", 0) / 1000.0
    # Never hang: a scenario, all its attempts included, ends within max_ms + pause_ms + 2000.
    deadline = time.monotonic() + plan["max_ms"] / 1000.0 + pause + 2.0
    if auth == "header":
        await run_session(drv, plan, audio, name, "header", 1, deadline, api_key=s.get("api_key"), pause=pause)
    elif auth in ("token", "token-reuse"):
        why = drv.token_unsupported()
        if why:
            out({"scenario": name, "event": "_unsupported", "reason": why})
            return
        try:
            token = await capped(drv.mint(plan, s.get("api_key")), deadline)
            add_secret(token)
            if not isinstance(token, str) or not token:
                raise ValueError(f"the mint answered no token ({type(token).__name__})")
        except Exception as e:  # noqa: BLE001
            out({"scenario": name, "event": "_exception", "where": "mint", "error": err_message(e)})
            return
        for attempt in range(1, (2 if auth == "token-reuse" else 1) + 1):
            await run_session(drv, plan, audio, name, "token", attempt, deadline, api_key=s.get("api_key"), token=token, pause=pause)
    else:
        out({"scenario": name, "event": "_unsupported", "reason": f'unknown auth "{auth}"'})


async def amain(drv: Driver, plan: typing.Dict[str, typing.Any], audio: bytes) -> None:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_loop_exception_handler)
    loop.set_task_factory(_task_factory)  # type: ignore[arg-type]
    hello: typing.Dict[str, typing.Any] = {"event": "_sdk", "sdk": drv.sdk, "version": drv.version, "events": drv.events}
    if getattr(drv, "options", None):  # the connect options the SDK's API offers, when a driver can read them
        hello["options"] = drv.options
    out(hello)
    lanes: typing.Dict[int, typing.List[typing.Dict[str, typing.Any]]] = {}
    for s in plan["scenarios"]:
        lanes.setdefault(s.get("lane", 0), []).append(s)

    async def lane(scenarios: typing.List[typing.Dict[str, typing.Any]]) -> None:
        for s in scenarios:
            name = s.get("name")
            _scenario.set(name)
            _running.add(name)
            t0 = time.monotonic()
            try:
                await run_scenario(drv, plan, audio, s)
            except Exception as e:  # noqa: BLE001
                # Every call into the SDK is caught where it is made: this is the driver's own bug.
                import traceback

                traceback.print_exc()
                fail(f"in scenario {name}: {err_message(e)}")
            _running.discard(name)
            out({"scenario": name, "event": "_end", "ms": round((time.monotonic() - t0) * 1000)})
        _scenario.set(None)

    # Each lane is a task of its own (gather), with a context of its own.
    await asyncio.gather(*(lane(scs) for _, scs in sorted(lanes.items())))
    out({"event": "_done"})


def main(drv: Driver) -> None:
    plan = read_plan()
    try:
        with open(plan["audio_file"], "rb") as f:
            audio = f.read()
    except OSError as e:
        fail(f"cannot read audio_file: {e}")
    # The SDK is imported: its objects live as long as the process, so the
    # collector need not walk them again. run_session's gc.collect() after
    # each scenario then walks only what the scenarios made (vision-agents'
    # imports leave 230,000 objects: a collect took 140 ms of CPU, 30 times
    # a run; under a millisecond after the freeze).
    gc.freeze()
    asyncio.run(amain(drv, plan, audio))
    _OUT.flush()
    # Sockets or httpx clients still being torn down must not keep the process alive.
    os._exit(0)
