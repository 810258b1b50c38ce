"""Telegram's flood limits (sliding windows) and injected faults."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .errors import BAD_GATEWAY_HTML, STANDARD_DESCRIPTIONS, ApiError, too_many_requests

# Methods that put a message into a chat; only these count against the flood limits.
# sendChatAction is not a message and does not count.
SENDING_METHODS = frozenset(
    m.lower()
    for m in (
        "sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendAudio", "sendVideo",
        "sendAnimation", "sendSticker", "sendMediaGroup", "sendLocation", "sendContact",
        "sendPoll", "sendDice", "sendVideoNote", "sendVenue", "copyMessage", "copyMessages",
        "forwardMessage", "forwardMessages",
    )
)

# Edits of messages: counted against a group's per-minute limit when Limits.group_edits is on.
GROUP_EDIT_METHODS = frozenset(m.lower() for m in ("editMessageText", "editMessageCaption", "editMessageMedia",
                                                   "editMessageReplyMarkup"))


@dataclass
class Limits:
    """Which of Telegram's limits the emulator enforces; each can be switched off with None."""

    global_per_second: int | None = 30
    group_per_minute: int | None = 20
    private_per_second: int | None = None
    # One private chat: about one message a second after a short burst (Telegram answers 429
    # beyond it): a bucket of `private_burst` messages that refills `private_rate` per second.
    private_burst: int | None = 6
    private_rate: float = 1.0
    enabled: bool = True
    # Telegram counts a bot's edits in a group against the group's limit too; off by default so
    # tests about other things need not pace their edits (scripts/bench_tickets.py turns it on).
    group_edits: bool = False


class _Window:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.stamps: deque[float] = deque()

    def wait_needed(self, now: float, limit: int, count: int) -> float:
        """Seconds until `count` more events fit under `limit`; 0 when they fit now."""
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()
        excess = len(self.stamps) + count - limit
        if excess <= 0:
            return 0.0
        if excess > len(self.stamps):  # a single burst larger than the limit
            return self.seconds
        return self.stamps[excess - 1] + self.seconds - now

    def add(self, now: float, count: int) -> None:
        self.stamps.extend([now] * count)


class _Bucket:
    """A token bucket: `capacity` at once, then `rate` per second."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.used = 0.0  # tokens taken and not yet refilled
        self.at = 0.0

    def _refill(self, now: float) -> None:
        self.used = max(0.0, self.used - (now - self.at) * self.rate)
        self.at = now

    def wait_needed(self, now: float, capacity: int, count: int) -> float:
        self._refill(now)
        excess = self.used + count - capacity
        return 0.0 if excess <= 1e-9 else excess / self.rate

    def add(self, now: float, count: int) -> None:
        self._refill(now)
        self.used += count


class RateLimiter:
    def __init__(self, limits: Callable[[], Limits], clock: Callable[[], float]) -> None:
        self._limits = limits  # read on every call, so a test may swap or change the Limits
        self._clock = clock
        self._global = _Window(1.0)
        self._chats: dict[int, _Window] = {}
        self._bursts: dict[int, _Bucket] = {}

    def _checks(self, chat_id: int | None, chat_type: str | None) -> list[tuple[_Window | _Bucket, int]]:
        limits = self._limits()
        if not limits.enabled:
            return []
        checks: list[tuple[_Window | _Bucket, int]] = []
        if limits.global_per_second:
            checks.append((self._global, limits.global_per_second))
        if chat_id is not None and chat_type in ("group", "supergroup") and limits.group_per_minute:
            checks.append((self._chats.setdefault(chat_id, _Window(60.0)), limits.group_per_minute))
        if chat_id is not None and chat_type == "private" and limits.private_per_second:
            checks.append((self._chats.setdefault(chat_id, _Window(1.0)), limits.private_per_second))
        if chat_id is not None and chat_type == "private" and limits.private_burst:
            bucket = self._bursts.get(chat_id)
            if bucket is None or bucket.rate != limits.private_rate:
                bucket = self._bursts[chat_id] = _Bucket(limits.private_rate)
            checks.append((bucket, limits.private_burst))
        return checks

    def check(self, chat_id: int | None, chat_type: str | None, count: int = 1) -> None:
        now = self._clock()
        wait = max((w.wait_needed(now, limit, count) for w, limit in self._checks(chat_id, chat_type)),
                   default=0.0)
        if wait > 0:
            raise too_many_requests(wait)

    def record(self, chat_id: int | None, chat_type: str | None, count: int = 1) -> None:
        now = self._clock()
        for window, _ in self._checks(chat_id, chat_type):
            window.add(now, count)

    def forget_private_chats(self) -> None:
        """A bot restart in a test is instant; a real one outlasts the private-chat buckets."""
        self._bursts.clear()

    def reset(self) -> None:
        self._global = _Window(1.0)
        self._chats.clear()
        self._bursts.clear()


DROP = 0  # a Fault status: Telegram does the call, then the connection drops before the answer


@dataclass
class Fault:
    method: str  # lower-case method name, or "*" for any
    status: int
    retry_after: int | None
    times: int
    chat_id: int | str | None
    description: str | None
    applied: bool = False  # the call takes effect, then its answer is lost (a dropped connection)

    def matches(self, method: str, chat_id: object) -> bool:
        if self.method not in ("*", method):
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)

    def response(self) -> tuple[int, bytes, str]:
        """(status, body, content type) as Telegram (or the proxy in front of it) answers."""
        if self.status == 429:
            return 429, too_many_requests(self.retry_after or 1).body(), "application/json"
        if self.status == 502 and self.description is None:
            return 502, BAD_GATEWAY_HTML, "text/html"
        text = self.description or STANDARD_DESCRIPTIONS.get(self.status, "Error")
        return self.status, ApiError(self.status, text, self.retry_after).body(), "application/json"


class Faults:
    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.pending.append(fault)

    def take(self, method: str, chat_id: object) -> Fault | None:
        for fault in self.pending:
            if fault.matches(method, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self.pending.remove(fault)
                return fault
        return None
