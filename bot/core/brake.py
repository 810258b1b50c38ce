"""The polite brake (issue 16): notice a user who writes faster than a human conversation.

Telegram-free and in memory: a forgotten count after a restart only means one more kind notice.
`note(user_id)` counts one private message and says whether the user just started to flood
(tell them once, kindly), is still flooding (keep quiet: no per-message acknowledgements), or is
within a conversation's pace. Nothing a user sends is ever dropped because of the brake.

Flooding means more than `per_minute` messages in the last 60 s, or more than half of that in
the last 10 s (a pasted history is caught in its first seconds, before the acknowledgements it
would earn pile up in the user's chat).
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

MINUTE, BURST = 60.0, 10.0


class Pace(Enum):
    CALM = "calm"          # a conversation: answer as usual
    STARTED = "started"    # crossed the line just now: tell them once
    FLOODING = "flooding"  # still over it: acknowledge nothing per message (everything still arrives)


class Brake:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.per_burst = max(2, per_minute // 2)
        self._clock = clock
        self._stamps: dict[int, deque[float]] = {}
        self._braked: set[int] = set()
        self._last: dict[int, float] = {}

    def note(self, user_id: int, at: float | None = None) -> Pace:
        """`at`: when the user sent it (the message's date, so a backlog waiting to be handled
        still counts as the burst it was); the clock's now by default."""
        now = self._clock() if at is None else max(at, self._last.get(user_id, at))
        self._last[user_id] = now
        stamps = self._stamps.setdefault(user_id, deque())
        while stamps and stamps[0] <= now - MINUTE:
            stamps.popleft()
        stamps.append(now)
        recent = sum(1 for s in stamps if s > now - BURST)
        if len(stamps) > self.per_minute or recent > self.per_burst:
            if user_id in self._braked:
                return Pace.FLOODING
            self._braked.add(user_id)
            return Pace.STARTED
        self._braked.discard(user_id)
        if len(self._stamps) > 10_000:  # forget users who went quiet
            self._stamps = {u: s for u, s in self._stamps.items() if s and s[-1] > now - MINUTE}
            self._last = {u: t for u, t in self._last.items() if u in self._stamps}
        return Pace.CALM

    def flooding(self, user_id: int) -> bool:
        """True while the user is over the pace (their last message was counted as such)."""
        return user_id in self._braked
