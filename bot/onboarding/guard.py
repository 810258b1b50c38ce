"""Limits on guessing (issue 16): join codes cannot be tried endlessly, and one account cannot
register cooperatives without end. Telegram-free; refusals are stored for the status report
(`storage.guards.GuardRepo.refusals_since`)."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.core.settings import Settings
from storage.db import Executor, from_utc_text
from storage.guards import JOIN_BLOCKED, REGISTRATION_CAPPED, WRONG_JOIN_CODE, GuardRepo


@dataclass(frozen=True)
class Refused:
    """Why a try was refused; `code` names the template (fairshare.<code>)."""
    code: str
    minutes: int = 0   # join_blocked: about how long until the next try
    limit: int = 0     # registrations_capped: the cap


class GuessGuard:
    def __init__(self, db: Executor, settings: Settings,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.repo = GuardRepo(db)
        self.max_wrong = settings.join_code_max_wrong
        self.block = timedelta(minutes=settings.join_code_block_minutes)
        self.max_registrations = settings.max_registrations_per_user
        self.clock = clock

    async def _blocked_for(self, user_id: int) -> timedelta | None:
        now = self.clock()
        wrong = await self.repo.times_since(user_id, WRONG_JOIN_CODE, now - self.block)
        if len(wrong) < self.max_wrong:
            return None
        # free again once the oldest of the last `max_wrong` wrong tries is older than the block
        return from_utc_text(wrong[-self.max_wrong]) + self.block - now

    def _refused(self, left: timedelta) -> Refused:
        return Refused("join_blocked", minutes=max(1, math.ceil(left.total_seconds() / 60)))

    async def join_allowed(self, user_id: int) -> Refused | None:
        """Before looking a code up: None, or the refusal (recorded for the admins)."""
        left = await self._blocked_for(user_id)
        if left is None:
            return None
        await self.repo.record(user_id, JOIN_BLOCKED, f"{self.max_wrong} wrong join codes", self.clock())
        return self._refused(left)

    async def join_failed(self, user_id: int) -> Refused | None:
        """A wrong code: counted; returns the refusal if this one used up the tries."""
        await self.repo.record(user_id, WRONG_JOIN_CODE, at=self.clock())
        left = await self._blocked_for(user_id)
        if left is None:
            return None
        await self.repo.record(user_id, JOIN_BLOCKED, f"{self.max_wrong} wrong join codes", self.clock())
        return self._refused(left)

    async def registration_allowed(self, user_id: int) -> Refused | None:
        done = await self.repo.registrations_of(user_id)
        if done < self.max_registrations:
            return None
        await self.repo.record(user_id, REGISTRATION_CAPPED, f"{done} cooperatives registered", self.clock())
        return Refused("registrations_capped", limit=self.max_registrations)
