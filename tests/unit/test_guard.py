"""The join-code limit's clock, without Telegram (issue 16)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.onboarding.guard import GuessGuard

pytestmark = pytest.mark.unit


async def test_the_join_code_block_lifts_after_the_setting_and_counts_only_recent_guesses(db, make_settings):
    now = [datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)]
    guard = GuessGuard(db, make_settings(join_code_max_wrong=5, join_code_block_minutes=30), clock=lambda: now[0])
    for _ in range(4):
        assert await guard.join_failed(7) is None
    refused = await guard.join_failed(7)
    assert refused is not None and refused.code == "join_blocked" and refused.minutes == 30
    assert (await guard.join_allowed(7)).minutes == 30
    assert await guard.join_allowed(8) is None  # only that user
    now[0] += timedelta(minutes=29)
    assert (await guard.join_allowed(7)).minutes == 1
    now[0] += timedelta(minutes=2)
    assert await guard.join_allowed(7) is None  # free again
