"""The polite brake's counting, without Telegram (issue 16)."""
from __future__ import annotations

import pytest

from bot.core.brake import Brake, Pace

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_conversation_is_calm_and_a_flood_is_told_once():
    clock = Clock()
    brake = Brake(20, clock)
    for _ in range(20):  # 20 in a minute, 4 s apart: a lively but human conversation
        assert brake.note(1) is Pace.CALM
        clock.now += 2.9
    clock.now += 60
    paces = []
    for _ in range(40):  # a pasted history: 10 a second
        paces.append(brake.note(1))
        clock.now += 0.1
    assert paces[:10] == [Pace.CALM] * 10
    assert paces[10] is Pace.STARTED and paces[11:] == [Pace.FLOODING] * 29
    assert brake.flooding(1) and not brake.flooding(2)
    assert brake.note(2) is Pace.CALM  # someone else is not braked


def test_the_brake_lifts_after_a_quiet_minute_and_tells_again_next_time():
    clock = Clock()
    brake = Brake(20, clock)
    paces = [brake.note(1) for _ in range(12)]
    assert Pace.STARTED in paces
    clock.now += 61
    assert brake.note(1) is Pace.CALM and not brake.flooding(1)
    assert [brake.note(1) for _ in range(12)].count(Pace.STARTED) == 1



def test_a_backlog_counts_by_when_it_was_sent_not_when_it_is_handled():
    clock = Clock()
    brake = Brake(20, clock)
    paces = []
    for i in range(15):  # sent within 1.5 s, handled one a second later (the chat was busy)
        paces.append(brake.note(1, at=2000.0 + i * 0.1))
        clock.now += 1.0
    assert paces.index(Pace.STARTED) == 10
