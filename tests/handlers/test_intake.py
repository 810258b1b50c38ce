"""The durable intake's seam in PTB (issue 10.1): the Application's update queue records an
update before `put` returns (PTB moves the long-poll offset, or answers the webhook's 200, only
after that), the processor marks it done after its handlers, and a start replays what is pending."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.core import intake
from storage.updates import UpdateRepo
from tests.factories import text_message

SARI = 1001


def texts_to(api, chat_id: int) -> list[str]:
    return [m.text for m in api.world.events if m.chat_id == chat_id and m.event == "new"]


async def test_recorded_on_put_done_after_handling_and_a_redelivery_is_not_queued(app, api):
    repo = UpdateRepo(app.bot_data["services"].db)
    update = text_message(app.bot, SARI, "/start")
    await app.update_queue.put(update)
    assert await repo.status(update.update_id) == "pending"
    await app.update_queue.put(update)  # Telegram resends what it does not know we have
    assert app.update_queue.qsize() == 1

    item = app.update_queue.get_nowait()
    await app.update_processor.process_update(item, app.process_update(item))
    assert await repo.status(update.update_id) == "done"
    assert "pilih bahasa" in texts_to(api, SARI)[-1]


async def test_a_start_replays_pending_updates_and_gives_up_on_a_poison_one(app, api):
    repo = UpdateRepo(app.bot_data["services"].db)
    pending = text_message(app.bot, SARI, "/start")
    poison = text_message(app.bot, SARI, "/bantuan")
    await repo.record(pending.update_id, pending.to_dict())
    await repo.record(poison.update_id, poison.to_dict())
    for _ in range(intake.MAX_REPLAYS):
        await repo.count_replay(poison.update_id)

    assert await intake.attach(app, app.bot_data["services"].db) == 1
    replayed = app.update_queue.get_nowait()
    assert replayed.update_id == pending.update_id and replayed.message.text == "/start"
    assert app.update_queue.empty()
    assert await repo.status(poison.update_id) == "done"  # given up, logged, not replayed forever


async def test_done_updates_are_pruned_after_a_while(app):
    repo = UpdateRepo(app.bot_data["services"].db)
    old, new = text_message(app.bot, SARI, "a"), text_message(app.bot, SARI, "b")
    for u in (old, new):
        await repo.record(u.update_id, u.to_dict())
    await repo.mark_done(old.update_id)
    later = datetime.now(timezone.utc) + intake.KEEP_DONE + timedelta(minutes=1)
    assert await repo.prune(intake.KEEP_DONE, now=later) == 1
    assert await repo.status(old.update_id) is None and await repo.status(new.update_id) == "pending"
