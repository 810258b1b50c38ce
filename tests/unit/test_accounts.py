"""People and cooperatives without Telegram (bot/onboarding/accounts.py) and the privacy rights
across journeys (bot/privacy/service.py), over a real temp database."""
from __future__ import annotations

import pytest

from bot.core.conversations import Conversations
from bot.onboarding.accounts import Accounts, AlreadyMember
from bot.privacy.service import Privacy
from bot.triage.desk import export_questions, forget_questions
from storage.triage import TriageRepo

SARI, ANDI = 1001, 1002
ANSWERS = {"name": "Kopkar Maju", "nik": None, "kind": "karyawan", "company": "PT Maju", "estate": "MM2100",
           "kecamatan": "Cikarang Barat", "members": 120, "fy_end_month": 12, "role": "ketua"}


async def _registered(accounts: Accounts, user_id: int = SARI):
    await accounts.arrive(user_id)
    await accounts.set_language(user_id, "en")
    await accounts.consent(user_id, "Sari", "sari")
    return await accounts.register(user_id, user_id, ANSWERS)


async def test_language_falls_back_to_the_default_for_strangers(db):
    accounts = Accounts(db, "id")
    assert await accounts.language_of(None) == "id" and await accounts.language_of(SARI) == "id"
    await accounts.arrive(SARI)
    await accounts.set_language(SARI, "en")
    assert await accounts.language_of(SARI) == "en"
    assert not await accounts.has_consented(SARI)


async def test_register_ends_the_flow_and_a_second_cooperative_is_refused(db):
    accounts, conversations = Accounts(db, "id"), Conversations(db)
    await conversations.start(SARI, SARI, "registration", "confirm", ANSWERS)
    coop = await _registered(accounts)
    assert await conversations.current(SARI, SARI) is None
    assert (await accounts.cooperative_of(SARI)).id == coop.id and coop.company == "PT Maju"
    await conversations.start(SARI, SARI, "registration", "confirm", ANSWERS)
    with pytest.raises(AlreadyMember):
        await accounts.register(SARI, SARI, ANSWERS)
    assert await conversations.current(SARI, SARI) is not None  # nothing changed


async def test_join_by_code_is_idempotent_and_profile_edits_stay_in_the_own_cooperative(db):
    accounts = Accounts(db, "id")
    coop = await _registered(accounts)
    found = await accounts.by_join_code(coop.join_code.lower())
    assert found is not None and found.id == coop.id
    assert await accounts.by_join_code("not a code") is None
    await accounts.arrive(ANDI)
    await accounts.join(ANDI, ANDI, coop.id, "bendahara")
    await accounts.join(ANDI, ANDI, coop.id, "sekretaris")  # a retried press adds nothing
    assert [m.role for m in await accounts.managers(coop.id)] == ["ketua", "bendahara"]
    assert await accounts.save_profile(ANDI, "members", 300)
    assert await accounts.save_profile(ANDI, "role", "pengawas")
    profile = await accounts.profile(ANDI)
    assert profile.cooperative.members == 300 and profile.role == "pengawas"
    assert not await accounts.save_profile(4242, "members", 1)  # not a manager: nothing to edit


async def test_blocking_marks_inactive_and_arriving_again_reactivates(db):
    accounts = Accounts(db, "id")
    await accounts.arrive(SARI)
    await accounts.blocked(SARI)
    assert not (await accounts.find(SARI)).is_active
    assert (await accounts.arrive(SARI)).is_active


async def test_privacy_export_and_erase_cover_the_journeys_given(db):
    accounts = Accounts(db, "id")
    await _registered(accounts)
    await TriageRepo(db).create(user_id=SARI, cooperative_id=None, question="rat?", normalized="rat",
                                ranked=[], confident=False, shown_entry=None)
    privacy = Privacy(db, [export_questions], [forget_questions])
    export = await privacy.export(SARI)
    assert export["account"]["user"]["full_name"] == "Sari" and len(export["faq_questions"]) == 1
    await privacy.erase(SARI)
    assert await TriageRepo(db).for_user(SARI) == []
    assert not await accounts.has_consented(SARI) and await accounts.membership(SARI) is None


async def test_privacy_erase_is_all_or_nothing(db):
    accounts = Accounts(db, "id")
    await _registered(accounts)
    await TriageRepo(db).create(user_id=SARI, cooperative_id=None, question="rat?", normalized="rat",
                                ranked=[], confident=False, shown_entry=None)

    async def fails(tx, user_id: int) -> None:
        raise RuntimeError("halfway")
    with pytest.raises(RuntimeError):
        await Privacy(db, [], [forget_questions, fails]).erase(SARI)
    assert len(await TriageRepo(db).for_user(SARI)) == 1
    assert await accounts.has_consented(SARI) and await accounts.membership(SARI) is not None
