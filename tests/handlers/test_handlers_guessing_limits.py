"""Limits on guessing (issue 16), through the onboarding journey: five wrong join codes block
further tries with a clear message; registering cooperatives is capped per user; admins can
read both refusals (GuardRepo.refusals_since, for the status report)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage.cooperatives import CooperativeRepo
from storage.guards import GuardRepo
from tests.e2e.harness import seed_cooperative
from tests.factories import button_press, text_message

EKO = 3001


def texts_to(api, chat_id: int) -> list[str]:
    return [m.text for m in api.world.events if m.chat_id == chat_id and m.event == "new"]


async def to_path(app, user_id: int) -> None:
    await app.process_update(text_message(app.bot, user_id, "/start"))
    await app.process_update(button_press(app.bot, user_id, "reg:language:id"))
    await app.process_update(button_press(app.bot, user_id, "reg:consent:yes"))


async def test_five_wrong_join_codes_block_further_tries_even_the_right_one(app, api):
    db = app.bot_data["services"].db
    coop = await seed_cooperative(db, 1001)
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    await to_path(app, EKO)
    await app.process_update(button_press(app.bot, EKO, "reg:path:join"))
    for guess in ("AAAAAAAA", "BBBBBBBB", "salah", "CCCCCCCC"):
        await app.process_update(text_message(app.bot, EKO, guess, first_name="Eko"))
        assert "tidak ditemukan" in texts_to(api, EKO)[-1]
    await app.process_update(text_message(app.bot, EKO, "DDDDDDDD", first_name="Eko"))
    assert "salah dimasukkan beberapa kali" in texts_to(api, EKO)[-1] and "60 menit" in texts_to(api, EKO)[-1]
    await app.process_update(text_message(app.bot, EKO, coop.join_code, first_name="Eko"))  # right, but blocked
    assert "salah dimasukkan beberapa kali" in texts_to(api, EKO)[-1]
    assert await CooperativeRepo(db).membership(EKO) is None
    refusals = await GuardRepo(db).refusals_since(since)
    assert [(r.user_id, r.kind) for r in refusals] == [(EKO, "join_code_blocked")] * 2


async def test_registering_cooperatives_is_capped_per_user(app, api):
    db = app.bot_data["services"].db
    coops = CooperativeRepo(db)
    for i in range(3):  # registered three (and left each): the default cap
        await seed_cooperative(db, EKO, name=f"Kopkar {i}", full_name="Eko")
        await coops.leave(EKO)
    await seed_cooperative(db, 1001, name="Kopkar Lain", extra_managers={1002: "Andi"})  # joining is not registering
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    await to_path(app, EKO)
    await app.process_update(button_press(app.bot, EKO, "reg:path:new"))
    assert "paling banyak 3 koperasi" in texts_to(api, EKO)[-1]
    assert [(r.user_id, r.kind) for r in await GuardRepo(db).refusals_since(since)] == [(EKO, "registration_capped")]
    assert await GuardRepo(db).refusal_counts_since(since) == {"registration_capped": 1}
    assert await GuardRepo(db).registrations_of(1002) == 0 and await GuardRepo(db).registrations_of(1001) == 1


async def test_admins_see_the_refusals_in_status(app, api):
    """Issue 16: admins see the guessing limits' refusals in the status report (/status)."""
    from telegram import Chat
    from tests.e2e.harness import ADMIN_ID, STAFF_CHAT_ID
    db = app.bot_data["services"].db
    coops = CooperativeRepo(db)
    for i in range(3):
        await seed_cooperative(db, EKO, name=f"Kopkar {i}", full_name="Eko")
        await coops.leave(EKO)
    await to_path(app, EKO)
    await app.process_update(button_press(app.bot, EKO, "reg:path:new"))
    staff = Chat(STAFF_CHAT_ID, Chat.SUPERGROUP, title="Staf")
    await app.process_update(text_message(app.bot, ADMIN_ID, "/status", chat=staff, first_name="Rina"))
    answer = texts_to(api, STAFF_CHAT_ID)[-1]
    assert "Ditolak batas tebakan" in answer and "1 pendaftaran koperasi baru melewati batas" in answer
