"""FakeBotApi: an aiohttp server on 127.0.0.1 that answers like api.telegram.org."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from . import methods_bot, methods_chats, methods_media, methods_messages
from .calls import Call
from .errors import GET_UPDATES_CONFLICT, NOT_FOUND, UNAUTHORIZED, WEBHOOK_ACTIVE, ApiError
from .limits import DROP, GROUP_EDIT_METHODS, SENDING_METHODS, Fault, Faults, Limits, RateLimiter
from .scenario import Scenario
from .state import DEFAULT_UPDATE_TYPES, GROUP_TYPES, UserRecord, World
from .validation import Params, Upload
from .views import BotMessage


@dataclass(frozen=True)
class RecordedRequest:
    method: str  # canonical spelling, e.g. "sendMessage"
    params: dict[str, Any]
    status: int
    description: str | None
    time: float
    retry_after: int | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class FakeBotApi(Scenario):
    """A local Telegram Bot API. ``url = await api.start()`` gives the base URL; the bot calls
    ``{url}/bot{token}/{method}`` and downloads from ``{url}/file/bot{token}/{file_path}``."""

    def __init__(self, token: str = "123456:TEST", limits: Limits | None = None, *,
                 bot_name: str = "Klinik Koperasi", bot_username: str = "klinik_koperasi_bot",
                 strict_html: bool = True) -> None:
        self.token = token
        self.limits = limits or Limits()
        self.strict_html = strict_html
        self._clock_offset = 0.0
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.world = World(UserRecord(bot_id, bot_name, bot_username, None, is_bot=True), self.now)
        self.limiter = RateLimiter(lambda: self.limits, self.now)
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.url: str | None = None
        self._methods: dict[str, tuple[str, Any]] = {}
        for module in (methods_bot, methods_messages, methods_media, methods_chats):
            for name, function in module.METHODS.items():
                self._methods[name.lower()] = (name, function)
        self._methods["getupdates"] = ("getUpdates", self._get_updates)
        self._runner: web.AppRunner | None = None
        self._poll_generation = 0
        self._closing = False
        self._last_activity = time.monotonic()
        self._fetched_update_id = 0
        self._delivery_listeners: list = []
        self._webhook_task: asyncio.Task | None = None
        self.webhook_answers: list[tuple[int, int]] = []  # (update_id, HTTP status) per webhook POST
        super().__init__()

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self, port: int = 0) -> str:
        self._closing = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        sockets = self._runner.addresses
        self.url = f"http://127.0.0.1:{sockets[0][1]}"
        self._webhook_task = asyncio.create_task(self._push_to_webhook(), name="fake-telegram-webhook")
        return self.url

    async def stop(self) -> None:
        self._closing = True
        self.world.signal.notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            await asyncio.gather(self._webhook_task, return_exceptions=True)
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def now(self) -> float:
        return time.time() + self._clock_offset

    def advance_time(self, seconds: float) -> None:
        """Move the emulator's clock (message dates, flood-limit windows) forward."""
        self._clock_offset += seconds

    # -- test controls ---------------------------------------------------------------------
    def inject(self, method: str, status: int = 500, retry_after: int | None = None, times: int = 1,
               chat_id: int | str | None = None, description: str | None = None, applied: bool = False) -> None:
        """Make the next `times` calls of `method` ("*" for any), optionally only those for
        `chat_id`, fail with `status` like Telegram does (429 with retry_after, 502 as an HTML
        Bad Gateway page, others with a JSON error). `applied=True`: the call takes effect first
        and only its answer is lost, as when the connection drops after Telegram did the work."""
        self.faults.add(Fault(method.lower(), status, retry_after, times, chat_id, description, applied))

    def drop_responses(self, method: str, times: int = 1, chat_id: int | str | None = None) -> None:
        """The next `times` calls of `method` are carried out, but the connection drops before
        the answer reaches the bot (it sees a network error; the message did arrive)."""
        self.faults.add(Fault(method.lower(), DROP, None, times, chat_id, None))

    def on_delivered(self, listener) -> None:
        """Call `listener(updates)` at the moment getUpdates hands the bot a batch of updates,
        or the webhook answered 200 for one (a list of one)."""
        self._delivery_listeners.append(listener)

    def _delivered(self, batch: list[dict]) -> None:
        for listener in list(self._delivery_listeners):
            listener(batch)

    async def post_webhook(self, update: dict, secret: str | None) -> int:
        """POST one update to the bot's webhook as Telegram does, with `secret` as the secret-token
        header (None: no header); returns the HTTP status."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.post(self.world.webhook_url, data=json.dumps(update), headers=headers) as response:
                await response.read()
                return response.status

    async def _push_to_webhook(self) -> None:
        """While a webhook is set, deliver queued updates to it one by one, like Telegram: an
        update leaves the queue only when the webhook answered 2xx; otherwise it is retried."""
        world = self.world
        while not self._closing:
            try:
                await world.signal.wait_until(lambda: (world.webhook_url and world.updates) or self._closing, 3600)
            except TimeoutError:
                continue
            if self._closing:
                return
            update = world.updates[0]
            try:
                status = await self.post_webhook(update, world.webhook_secret or None)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                status = 0
            self.webhook_answers.append((update["update_id"], status))
            if 200 <= status < 300:
                if world.updates and world.updates[0] is update:
                    world.updates.pop(0)
                self._fetched_update_id = max(self._fetched_update_id, update["update_id"])
                self._delivered([update])
            else:
                await asyncio.sleep(0.2)

    def rejected(self) -> list[RecordedRequest]:
        return [r for r in self.requests if not r.ok]

    @property
    def polls_started(self) -> int:
        """getUpdates calls begun so far: a long poll is in `requests` only once it returns,
        which for an idle bot is its whole timeout later."""
        return self._poll_generation

    def calls(self, method: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method.lower() == method.lower()]

    def counts(self) -> Counter[str]:
        return Counter(r.method for r in self.requests)

    def clear_requests(self) -> None:
        self.requests.clear()

    def on_bot_message(self, listener) -> None:
        """Call `listener(BotMessage)` on every message the bot sends, edits or deletes."""
        self.world.listeners.append(listener)

    @property
    def events(self) -> list[BotMessage]:
        return list(self.world.events)

    def pending_updates(self) -> list[dict]:
        return list(self.world.updates)

    async def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched every queued update and then been silent for `quiet`
        seconds (for the demo and smoke runs; tests should wait for a specific message)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            unfetched = any(u["update_id"] > self._fetched_update_id for u in self.world.updates)
            idle = time.monotonic() - self._last_activity
            if not unfetched and idle >= quiet:
                return
            await asyncio.sleep(min(0.05, quiet))

    # -- HTTP --------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        if tail.startswith("file/bot"):
            return self._download(tail[len("file/bot"):])
        if not tail.startswith("bot") or "/" not in tail:
            return _error_response(NOT_FOUND)
        token, _, method = tail[3:].partition("/")
        if token != self.token:
            return _error_response(UNAUTHORIZED)
        entry = self._methods.get(method.lower())
        if entry is None:
            return _error_response(NOT_FOUND)
        name, function = entry
        try:
            params = await _read_params(request)
        except ValueError:
            return _error_response(ApiError(400, "Bad Request: can't parse request body"))
        if name != "getUpdates":  # an idle bot long-polls forever; that is not activity
            self._last_activity = time.monotonic()
        status, body, content_type, error = await self._call(name, function, params)
        if status == DROP:  # done, but the bot never hears so
            self.requests.append(RecordedRequest(name, params.loggable(), 200, "response dropped", self.now()))
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=200, body=body, content_type=content_type)
        if request.transport is None or request.transport.is_closing():
            # The client gave up (a long poll cancelled on shutdown): nobody sees this answer.
            return web.Response(status=status, body=body, content_type=content_type)
        self.requests.append(RecordedRequest(
            name, params.loggable(), status, error.description if error else None, self.now(),
            error.retry_after if error else None))
        if name != "getUpdates":
            self._last_activity = time.monotonic()
        return web.Response(status=status, body=body, content_type=content_type)

    async def _call(self, name: str, function: Any, params: Params
                    ) -> tuple[int, bytes, str, ApiError | None]:
        key = name.lower()
        chat_id = params.raw("chat_id")
        fault = self.faults.take(key, chat_id)
        drop = fault is not None and fault.status == DROP
        if fault is not None and fault.applied:
            try:
                result = function(Call(self.world, params, self.strict_html))
                if inspect.isawaitable(result):
                    await result
            except ApiError:
                pass
        if fault is not None and not drop:
            status, body, content_type = fault.response()
            described = json.loads(body).get("description") if content_type == "application/json" else "Bad Gateway"
            return status, body, content_type, ApiError(status, described, fault.retry_after)
        try:
            counted = self._flood_scope(key, params)
            if counted:
                self.limiter.check(*counted)
            result = function(Call(self.world, params, self.strict_html))
            if inspect.isawaitable(result):
                result = await result
            if counted:
                self.limiter.record(*counted)
        except ApiError as error:
            return error.status, error.body(), "application/json", error
        body = json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode()
        return (DROP if drop else 200), body, "application/json", None

    def _flood_scope(self, key: str, params: Params) -> tuple[int | None, str | None, int] | None:
        chat = self.world.chats.get(_as_int(params.raw("chat_id")))
        if key in GROUP_EDIT_METHODS and self.limits.group_edits and chat is not None and chat.type in GROUP_TYPES:
            return chat.id, chat.type, 1  # edits in a group count against its 20 a minute
        if key not in SENDING_METHODS:
            return None
        count = 1
        if key == "sendmediagroup":
            media = params.json("media")
            count = len(media) if isinstance(media, list) else 1
        return (chat.id if chat else None), (chat.type if chat else None), count

    def _download(self, rest: str) -> web.Response:
        token, _, path = rest.partition("/")
        if token != self.token:
            return _error_response(UNAUTHORIZED)
        record = self.world.file_by_path(path)
        if record is None:
            return _error_response(NOT_FOUND)
        return web.Response(body=record.data, content_type=record.mime_type or "application/octet-stream")

    async def _get_updates(self, call: Call) -> list[dict]:
        world, params = self.world, call.params
        if world.webhook_url:
            raise ApiError(409, WEBHOOK_ACTIVE)
        allowed = params.json("allowed_updates")
        if isinstance(allowed, list):
            world.allowed_updates = frozenset(allowed) or DEFAULT_UPDATE_TYPES
        offset = params.int("offset")
        if offset is not None and offset < 0:
            world.updates[:] = world.updates[offset:]
        elif offset:
            world.updates[:] = [u for u in world.updates if u["update_id"] >= offset]
        limit = min(max(params.int("limit") or 100, 1), 100)
        timeout = max(params.int("timeout") or 0, 0)
        self._poll_generation += 1
        generation = self._poll_generation
        world.signal.notify()  # an older long poll still waiting now ends with 409 Conflict

        def ready() -> list[dict] | str | None:
            if self._poll_generation != generation:
                return "conflict"
            if self._closing:
                return "closing"
            return world.updates[:limit] or None

        try:
            found = await world.signal.wait_until(ready, timeout) if timeout else ready()
        except TimeoutError:
            found = None
        if found == "conflict":
            raise ApiError(409, GET_UPDATES_CONFLICT)
        batch = found if isinstance(found, list) else []
        if batch:
            self._last_activity = time.monotonic()  # the bot now has work to do
            self._fetched_update_id = max(self._fetched_update_id, batch[-1]["update_id"])
            self._delivered(batch)
        return batch


def _as_int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _error_response(error: ApiError) -> web.Response:
    return web.Response(status=error.status, body=error.body(), content_type="application/json")


async def _read_params(request: web.Request) -> Params:
    """Query string plus body: urlencoded or multipart form (PTB), or a JSON object."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            values.update(body)
        elif content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if part.filename is not None:
                    files[part.name] = Upload(part.filename, part.headers.get("Content-Type"),
                                              bytes(await part.read()))
                else:
                    values[part.name] = await part.text()
        else:
            values.update(await request.post())
    return Params(values, files)
