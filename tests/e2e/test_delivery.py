"""The one way out: the outbox delivery worker against the fake Bot API with real PTB
networking — order within a chat, 429 after retry_after, 5xx with backoff, 403 marks the user
inactive, and rows left by a stop are delivered by the next start, once."""
from __future__ import annotations

import asyncio

from storage.outbox import OutboxRepo
from storage.users import UserRepo
from tests.e2e.harness import STAFF_CHAT_ID


async def wait_rows_done(repo: OutboxRepo, timeout: float = 20.0) -> dict:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        counts = await repo.counts()
        if not counts.get("pending") and not counts.get("sending"):
            return counts
        await asyncio.sleep(0.05)
    raise AssertionError(f"outbox not drained: {await repo.counts()}")


async def test_order_retries_and_blocked_user(bot, people, api):
    svc = bot.services
    repo = OutboxRepo(svc.db)
    await UserRepo(svc.db).ensure(people.andi.id)
    api.inject("sendMessage", status=429, retry_after=1, times=1, chat_id=STAFF_CHAT_ID)
    api.inject("sendMessage", status=502, times=2, chat_id=people.sari.id)
    api.block(people.andi)
    for i in range(5):
        await svc.outbox.send_text(STAFF_CHAT_ID, f"kartu <b>{i}</b>", kind="test", dedupe_key=f"g{i}")
        await svc.outbox.send_text(people.sari.id, f"balasan {i}", kind="test", dedupe_key=f"s{i}")
    await svc.outbox.send_text(people.andi.id, "pengingat", kind="test", dedupe_key="a0")
    counts = await wait_rows_done(repo)
    assert counts == {"sent": 10, "blocked": 1}
    assert [m.text for m in people.staff.messages()] == [f"kartu {i}" for i in range(5)]
    assert [m.text for m in people.sari.messages] == [f"balasan {i}" for i in range(5)]
    assert (await UserRepo(svc.db).get(people.andi.id)).is_active is False
    statuses = [r.status for r in api.requests if r.method == "sendMessage"]
    assert statuses.count(429) == 1 and statuses.count(502) == 2 and statuses.count(403) == 1


async def test_enqueue_is_idempotent(bot, people):
    svc = bot.services
    ids = [await svc.outbox.send_text(people.sari.id, "sekali saja", kind="test", dedupe_key="same")
           for _ in range(3)]
    assert ids[0] is not None and ids[1:] == [None, None]
    await wait_rows_done(OutboxRepo(svc.db))
    assert [m.text for m in people.sari.messages] == ["sekali saja"]


async def test_rows_left_by_a_stop_are_sent_by_the_next_start_once(launch, people, api):
    async with launch() as first:
        await first.services.delivery.stop()  # as if the process died before delivering
        for i in range(3):
            await first.services.outbox.send_text(people.sari.id, f"tertunda {i}", kind="test", dedupe_key=f"p{i}")
        assert people.sari.messages == []
    async with launch() as second:
        await wait_rows_done(OutboxRepo(second.services.db))
    async with launch() as third:  # a further restart sends nothing again
        await asyncio.sleep(0.3)
        await wait_rows_done(OutboxRepo(third.services.db))
    assert [m.text for m in people.sari.messages] == ["tertunda 0", "tertunda 1", "tertunda 2"]


async def test_telegram_refusal_is_final_and_does_not_block_the_chat(bot, people, api):
    svc = bot.services
    bad = await svc.outbox.send_text(people.sari.id, "<b>tidak ditutup", kind="test")
    await svc.outbox.send_text(people.sari.id, "berikutnya", kind="test")
    await wait_rows_done(OutboxRepo(svc.db))
    row = await OutboxRepo(svc.db).get(bad)
    assert row.status == "failed" and "parse entities" in row.last_error
    assert [m.text for m in people.sari.messages] == ["berikutnya"]


async def test_drain_waits_for_the_follow_ups_a_sent_hook_queues(bot, people):
    """A sent-hook may queue more (a broadcast's final report): drain() must not return in the
    moment between 'sent' and the hook (a flaky broadcast test showed that window)."""
    from bot.core.delivery import DeliveryHooks
    svc = bot.services

    async def follow_up(row, message_id):
        await asyncio.sleep(0.3)
        await svc.outbox.send_text(people.sari.id, "laporan", kind="test_follow_up", dedupe_key="f0")
    svc.delivery.register("test_first", DeliveryHooks(sent=follow_up))
    await svc.outbox.send_text(people.sari.id, "pesan", kind="test_first", dedupe_key="p0")
    await svc.delivery.drain(10)
    assert [m.text for m in people.sari.messages] == ["pesan", "laporan"]
