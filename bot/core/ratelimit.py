"""Keep Telegram's flood limits on our side, counted the way Telegram counts them.

Telegram: about 30 messages/s per bot, 20 messages/minute per group (all forum topics share
it), and about one message a second in a private chat after a short burst. PTB's AIORateLimiter uses aiolimiter's leaky bucket, whose
burst equals its rate: (30, 1 s) lets ~60 through in the first second and (20, 60 s) ~40 in a
group's first minute, which Telegram (and our fake Bot API) answer with 429; a burst-free bucket
instead makes every staff-group reply wait 3 s even when the group is idle. Sliding windows give
both: an idle chat answers at once, a busy one never exceeds the window.

Only calls that put a message into a chat are counted (like Telegram): a membership check or a
button answer never queues behind a burst of ticket cards. Edits of a message in a group (a live
ticket card) count against that group's 20 a minute.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

SENDING_ENDPOINTS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendAudio", "sendVideo",
    "sendAnimation", "sendSticker", "sendMediaGroup", "sendLocation", "sendContact", "sendPoll",
    "sendDice", "sendVideoNote", "sendVenue", "copyMessage", "copyMessages", "forwardMessage",
    "forwardMessages",
})


# Edits in a group count against its 20 a minute as well (not against the global 30/s).
GROUP_EDIT_ENDPOINTS = frozenset({"editMessageText", "editMessageCaption", "editMessageMedia",
                                  "editMessageReplyMarkup"})


class SlidingWindow:
    """At most `limit` acquisitions in any `period` seconds, and at least `spacing` apart.
    Waiters are served first come, first served."""

    def __init__(self, limit: int, period: float, spacing: float = 0.0) -> None:
        self.limit, self.period, self.spacing = limit, period, spacing
        self._stamps: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                while self._stamps and now - self._stamps[0] >= self.period:
                    self._stamps.popleft()
                wait = 0.0
                if len(self._stamps) >= self.limit:
                    wait = self._stamps[0] + self.period - now
                if self._stamps and self.spacing:
                    wait = max(wait, self._stamps[-1] + self.spacing - now)
                if wait <= 0:
                    self._stamps.append(now)
                    return
                await asyncio.sleep(wait)


class TokenBucket:
    """`capacity` acquisitions at once, then `rate` per second; first come, first served."""

    def __init__(self, capacity: int, rate: float) -> None:
        self.capacity, self.rate = capacity, rate
        self._tokens = float(capacity)
        self._at: float | None = None
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                if self._at is not None:
                    self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
                self._at = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self.rate)


class TelegramFloodLimiter(BaseRateLimiter[int]):
    # Margins: our clock stamps a request before it travels, Telegram's when it arrives.
    GLOBAL = (30, 1.1, 0.03)      # 30 in any 1.1 s (~27.3/s), 30 ms apart: a stalled loop cannot bunch them
    GROUP = (20, 61.0, 1.0)       # 20 in any 61 s, one per second at most
    # One private chat: about one message a second after a short burst. Telegram (and the fake
    # Bot API: a bucket of 6 refilled 1/s) answers 429 beyond that; 5 refilled 0.9/s stays under it.
    PRIVATE = (5, 0.9)

    def __init__(self, max_retries: int = 1) -> None:
        self.max_retries = max_retries
        self._global = SlidingWindow(*self.GLOBAL)
        self._groups: dict[int | str, SlidingWindow] = {}
        self._privates: dict[int, TokenBucket] = {}

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: int | None) -> Any:
        if endpoint not in SENDING_ENDPOINTS and endpoint not in GROUP_EDIT_ENDPOINTS:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            pass
        group = chat_id if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str) else None
        if endpoint not in SENDING_ENDPOINTS and group is None:
            return await callback(*args, **kwargs)  # an edit in a private chat
        private = chat_id if isinstance(chat_id, int) and chat_id > 0 else None
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            if group is not None:
                window = self._groups.get(group)
                if window is None:
                    window = self._groups[group] = SlidingWindow(*self.GROUP)
                await window.acquire()
            elif private is not None:
                window = self._privates.get(private)
                if window is None:
                    window = self._privates[private] = TokenBucket(*self.PRIVATE)
                await window.acquire()
            if endpoint in SENDING_ENDPOINTS:
                await self._global.acquire()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                wait = float(exc._retry_after.total_seconds())  # noqa: SLF001 (avoids PTB's deprecation path)
                log.info("429 on %s to %s; retrying in %.1fs", endpoint, chat_id, wait)
                await asyncio.sleep(wait + 0.1)
        raise AssertionError("unreachable")
