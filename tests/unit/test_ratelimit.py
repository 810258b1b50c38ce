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


async def test_private_chats_are_paced_each_on_its_own():
    """Issue 10.3: a private chat gets a short burst, then about one message a second; another
    chat is not held back by it, and calls that send nothing are never paced."""
    from bot.core.ratelimit import TelegramFloodLimiter

    limiter = TelegramFloodLimiter()
    limiter.PRIVATE = (3, 5.0)  # a burst of 3, then 5 a second (the real one: 5, then 0.9 a second)
    loop = asyncio.get_running_loop()
    start = loop.time()
    stamps: dict[int, list[float]] = {1001: [], 1002: []}

    async def send(chat_id: int) -> None:
        async def call() -> None:
            stamps[chat_id].append(loop.time() - start)
        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat_id}, None)

    for _ in range(5):
        await send(1001)
    await send(1002)
    await limiter.process_request(lambda: asyncio.sleep(0), (), {}, "getChatMember", {"chat_id": 1001}, None)
    assert all(s < 0.1 for s in stamps[1001][:3])                 # the burst goes at once
    assert 0.18 <= stamps[1001][3] < 0.3 and 0.38 <= stamps[1001][4] < 0.5  # then the rate
    assert stamps[1002][0] - stamps[1001][4] < 0.1                 # the other chat did not wait
