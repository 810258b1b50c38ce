"""The outbox's fair pick, without Telegram (issue 16): round robin across a chat's sources,
live before bulk, each source's own order kept whatever the interleaving."""
from __future__ import annotations

import random

import pytest

from bot.core.outbox import Outbox
from storage.outbox import BULK, LIVE, OutboxRepo, OutboxRow, pick_head

pytestmark = pytest.mark.unit
NOW = "2026-12-02T08:00:00.000000Z"


def row(id_: int, source: str, lane: int = LIVE, **kw) -> OutboxRow:
    values = dict(id=id_, kind="relay", chat_id=-1, method="send_message", payload={}, ref_type=None, ref_id=None,
                  status="pending", attempts=0, dedupe_key=None, sent_message_id=None, last_error=None,
                  lane=lane, source=source, not_before="2026-12-02T07:00:00.000000Z")
    values.update(kw)
    return OutboxRow(**values)


def drain(queue: list[OutboxRow]) -> list[OutboxRow]:
    """Serve one chat the way the worker does: heads of each source, fair pick, repeat."""
    turns, served, turn = {}, [], 0
    while queue:
        heads = {}
        for r in queue:
            heads.setdefault(r.source, r)
        picked, _ = pick_head(list(heads.values()), NOW, turns, {})
        turn += 1
        if picked.lane == LIVE:
            turns[(picked.chat_id, picked.source)] = turn
        served.append(picked)
        queue.remove(picked)
    return served


def test_each_source_keeps_its_order_under_any_interleaving():
    rng = random.Random(16)
    for _ in range(200):
        sources = [f"ticket:{i}" for i in range(rng.randint(1, 5))]
        queue = [row(i, rng.choice(sources), lane=rng.choice((LIVE, LIVE, BULK))) for i in range(1, rng.randint(2, 40))]
        # a source's lane is fixed by what it is (a ticket is live, a broadcast bulk)
        lanes = {s: rng.choice((LIVE, BULK)) for s in sources}
        queue = [OutboxRow(**{**r.__dict__, "lane": lanes[r.source]}) for r in queue]
        served = drain(list(queue))
        for source in sources:
            ids = [r.id for r in served if r.source == source]
            assert ids == sorted(ids)
        lanes_served = [r.lane for r in served]
        assert lanes_served == sorted(lanes_served)  # no bulk row before a live one waiting


def test_round_robin_across_sources():
    queue = [row(i, "a") for i in range(1, 5)] + [row(5, "b"), row(6, "b"), row(7, "c")]
    assert [r.id for r in drain(queue)] == [1, 5, 7, 2, 6, 3, 4]


def test_a_retry_holds_the_chat_and_keeps_its_turn():
    waiting = row(1, "a", attempts=1, last_error="429", not_before="2026-12-02T09:00:00.000000Z")
    assert pick_head([waiting, row(2, "b")], NOW, {}, {}) == (None, [])
    back = row(1, "a", attempts=1, last_error="429")
    picked, _ = pick_head([back, row(2, "b")], NOW, {(-1, "a"): 5}, {})
    assert picked.id == 1


async def test_due_picks_fairly_from_the_database(db):
    outbox, repo = Outbox(db), OutboxRepo(db)
    a = [await outbox.send_text(-5, f"a{i}", kind="relay", ref=("ticket", 1)) for i in range(3)]
    b = await outbox.send_text(-5, "b", kind="relay", ref=("ticket", 2))
    bulk = await outbox.send_text(-5, "r", kind="report")
    other = await outbox.send_text(7, "x", kind="broadcast")
    live = await outbox.send_text(8, "y", kind="relay")
    due = await repo.due(10, turns={(-5, "ticket:1"): 1})
    assert [r.id for r in due] == [b, live, other]  # live chats first; in chat -5 ticket 2's turn
    assert a and bulk
