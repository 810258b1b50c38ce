"""Fair share in the outbox (issue 16), through the real delivery worker and PTB networking:
a chat's sources are served in turn with each source's order kept, live rows go before bulk
ones, and a burst of same-key text rows goes out as few combined messages, exactly once."""
from __future__ import annotations

from storage.outbox import MESSAGE_LIMIT, OutboxRepo
from tests.e2e.harness import STAFF_CHAT_ID
from tests.e2e.test_delivery import wait_rows_done


async def test_a_tickets_backlog_does_not_hold_another_tickets_relay_and_each_keeps_its_order(bot, people):
    svc = bot.services
    await svc.delivery.stop()  # queue everything first, as if it arrived while the group was busy
    for i in range(6):
        await svc.outbox.send_text(STAFF_CHAT_ID, f"A{i}", kind="test", ref=("ticket", 1))
    for i in range(2):
        await svc.outbox.send_text(STAFF_CHAT_ID, f"B{i}", kind="test", ref=("ticket", 2))
    await svc.outbox.send_text(STAFF_CHAT_ID, "C0", kind="test", ref=("ticket", 3))
    await svc.delivery.start()
    await wait_rows_done(OutboxRepo(svc.db))
    order = [m.text for m in people.staff.messages()]
    # round robin across tickets (first in, first out would be A0..A5, B0, B1, C0)
    assert order == ["A0", "B0", "C0", "A1", "B1", "A2", "A3", "A4", "A5"]
    for ticket in "ABC":  # and every ticket's own messages in the order they were written
        mine = [t for t in order if t.startswith(ticket)]
        assert mine == sorted(mine, key=lambda t: int(t[1:]))


async def test_live_rows_go_before_bulk_which_keeps_its_place(bot, people):
    svc = bot.services
    await svc.delivery.stop()
    await svc.outbox.send_text(STAFF_CHAT_ID, "laporan 1", kind="report", ref=("report", 1))
    await svc.outbox.send_text(STAFF_CHAT_ID, "laporan 2", kind="report", ref=("report", 1))
    await svc.outbox.send_text(STAFF_CHAT_ID, "relay 1", kind="relay", ref=("ticket", 1))
    await svc.outbox.send_text(STAFF_CHAT_ID, "laporan 3", kind="report", ref=("report", 1))
    await svc.outbox.send_text(STAFF_CHAT_ID, "relay 2", kind="relay", ref=("ticket", 2))
    await svc.outbox.send_text(people.sari.id, "siaran", kind="broadcast", ref=("broadcast", 1))
    await svc.outbox.send_text(people.sari.id, "jawaban konsultan", kind="relay", ref=("ticket", 1))
    await svc.delivery.start()
    await wait_rows_done(OutboxRepo(svc.db))
    assert [m.text for m in people.staff.messages()] == ["relay 1", "relay 2", "laporan 1", "laporan 2", "laporan 3"]
    assert [m.text for m in people.sari.messages] == ["jawaban konsultan", "siaran"]


async def test_a_burst_of_same_key_text_goes_as_few_messages_exactly_once(launch, people, api):
    async with launch(relay_burst_seconds=0) as bot:
        svc = bot.services
        repo = OutboxRepo(svc.db)
        await svc.delivery.stop()
        long = "x" * 1500
        ids = [await svc.outbox.send_text(STAFF_CHAT_ID, f"#{i} {long}", kind="relay", ref=("ticket", 1),
                                          coalesce_key="relay:1") for i in range(5)]
        await svc.outbox.send_text(STAFF_CHAT_ID, "catatan", kind="note", ref=("ticket", 1))  # no key
        ids += [await svc.outbox.send_text(STAFF_CHAT_ID, f"#{i} pendek", kind="relay", ref=("ticket", 1),
                                           coalesce_key="relay:1") for i in (5, 6)]
        api.inject("sendMessage", status=429, retry_after=1, times=1, chat_id=STAFF_CHAT_ID)
        await svc.delivery.start()
        await wait_rows_done(repo)
        sent = people.staff.messages()
        texts = [m.text or "" for m in sent]
        assert all(len(t) <= MESSAGE_LIMIT for t in texts)
        parts = [p.split(" ")[0] for t in texts for p in t.split("\n\n") if p]
        # every row's text once, in order; a row without the key keeps its own message
        assert parts == ["#0", "#1", "#2", "#3", "#4", "catatan", "#5", "#6"]
        assert len(sent) == 5  # (#0 #1) (#2 #3) (#4) (catatan) (#5 #6): each under 4096 characters
        rows = {r.id: r for r in await repo.rows()}
        assert all(rows[i].status == "sent" for i in ids)
        assert rows[ids[1]].merged_into == ids[0] and rows[ids[1]].sent_message_id == rows[ids[0]].sent_message_id


async def test_a_merged_row_interrupted_by_a_stop_is_sent_once_after_the_restart(launch, people):
    async with launch(relay_burst_seconds=0) as bot:
        svc = bot.services
        repo = OutboxRepo(svc.db)
        await svc.delivery.stop()
        for i in range(3):
            await svc.outbox.send_text(STAFF_CHAT_ID, f"bagian {i}", kind="relay", ref=("ticket", 1),
                                       coalesce_key="relay:1")
        head = (await repo.due(1))[0]
        await repo.mark_sending(head.id)
        await repo.merge_burst(head)  # picked and merged, then the process died before sending
    async with launch(relay_burst_seconds=0) as bot:
        await wait_rows_done(OutboxRepo(bot.services.db))
    assert [m.text for m in people.staff.messages()] == ["bagian 0\n\nbagian 1\n\nbagian 2"]


async def test_bulk_leaves_the_groups_last_messages_of_the_minute_to_live_traffic(launch, people):
    async with launch(rate_limit=False) as bot:
        svc = bot.services
        repo = OutboxRepo(svc.db)
        reserve = svc.settings.group_live_reserve
        for i in range(18):
            await svc.outbox.send_text(STAFF_CHAT_ID, f"laporan {i}", kind="report", ref=("report", 1))
        await people.staff.wait_for(lambda m: m.text == f"laporan {19 - reserve}", timeout=10)
        await svc.outbox.send_text(STAFF_CHAT_ID, "relay", kind="relay", ref=("ticket", 1))
        await people.staff.wait_for(lambda m: m.text == "relay", timeout=5)  # live goes at once
        texts = [m.text for m in people.staff.messages()]
        assert texts == [f"laporan {i}" for i in range(20 - reserve)] + ["relay"]
        waiting = [r for r in await repo.rows(kind="report") if r.status == "pending"]
        assert len(waiting) == 18 - (20 - reserve)  # the rest of the report waits for the next minute, in order
