import asyncio

import pytest

from bot.core.ratelimit import SlidingWindow

pytestmark = pytest.mark.unit


async def test_idle_burst_goes_at_once_then_waits_for_the_window():
    window = SlidingWindow(limit=5, period=0.5)
    loop = asyncio.get_running_loop()
    start = loop.time()
    stamps = []
    for _ in range(7):
        await window.acquire()
        stamps.append(loop.time() - start)
    assert all(s < 0.05 for s in stamps[:5])          # an idle chat answers at once
    assert stamps[5] >= 0.5 and stamps[6] >= 0.5      # the sixth waits for the window to slide
    for i in range(len(stamps)):                      # never more than 5 in any 0.5 s
        assert sum(1 for s in stamps if stamps[i] <= s < stamps[i] + 0.49) <= 5


async def test_spacing_and_first_come_first_served():
    window = SlidingWindow(limit=100, period=10, spacing=0.1)
    loop = asyncio.get_running_loop()
    order: list[tuple[int, float]] = []

    async def take(i: int) -> None:
        await window.acquire()
        order.append((i, loop.time()))
    await asyncio.gather(*(take(i) for i in range(4)))
    assert [i for i, _ in order] == [0, 1, 2, 3]
    gaps = [b - a for (_, a), (_, b) in zip(order, order[1:])]
    assert all(g >= 0.099 for g in gaps)
