"""The services behind the thin handlers, over a real temp database: the question desk
(bot/triage/desk.py) and the health-check journey's data (bot/health/checks.py)."""
from __future__ import annotations

from bot.core.outbox import Outbox
from bot.core.texts import Texts
from bot.health import flow as hf
from bot.health.checks import HealthChecks
from bot.onboarding.accounts import Accounts
from bot.triage.desk import Desk
from bot.triage.service import shipped_knowledge
from storage.triage import TriageRepo

SARI, ANDI, EKO = 1001, 1002, 1003
ANSWERS = {"name": "Kopkar Maju", "nik": None, "kind": "karyawan", "company": "PT Maju", "estate": "MM2100",
           "kecamatan": "Cikarang Barat", "members": 120, "fy_end_month": 12, "role": "ketua"}


async def _cooperative(db, user_id: int, **changes):
    accounts = Accounts(db, "id")
    await accounts.arrive(user_id)
    await accounts.consent(user_id, "Sari", None)
    return await accounts.register(user_id, user_id, {**ANSWERS, **changes})


async def test_desk_logs_the_question_with_the_askers_cooperative(db):
    coop = await _cooperative(db, SARI)
    desk = Desk(db, shipped_knowledge())
    asked = await desk.ask(SARI, "bagaimana cara menyelenggarakan RAT")
    row = await TriageRepo(db).get(asked.triage_id)
    assert row.cooperative_id == coop.id and row.confident == asked.decision.confident
    assert await desk.owned(asked.triage_id, ANDI) is None  # someone else's question
    assert await desk.owned(None, SARI) is None
    mine = await desk.owned(asked.triage_id, SARI)
    entry_id = next(iter(shipped_knowledge().entries))
    assert (await desk.show(mine, entry_id)).id == entry_id
    assert await desk.show(mine, "no-such-entry") is None
    await desk.answered(mine, entry_id)
    row = await TriageRepo(db).get(asked.triage_id)
    assert (row.shown_entry, row.feedback) == (entry_id, "answered")


async def test_health_open_says_why_a_check_cannot_start(db, make_settings):
    checks = HealthChecks(db, Outbox(db), Texts("id"), make_settings())
    assert (await checks.open(EKO, hf.FINANCIAL)).cooperative is None
    await _cooperative(db, SARI, kind="produsen", company=None)
    assert not (await checks.open(SARI, hf.FINANCIAL)).eligible
    opening = await checks.open(SARI, hf.GOVERNANCE)
    assert opening.eligible and not opening.resumable and opening.check.kind == hf.GOVERNANCE


async def test_health_answers_resume_and_belong_to_their_user(db, make_settings):
    checks = HealthChecks(db, Outbox(db), Texts("id"), make_settings())
    await _cooperative(db, SARI)
    check = (await checks.open(SARI, hf.GOVERNANCE)).check
    assert await checks.live(check.id, ANDI) is None  # a forged press by someone else
    step = hf.next_prompt(check.kind, check.answers).step_id
    check = await checks.record(check, step, None)  # skipped
    assert step in check.answers
    again = await checks.open(SARI, hf.GOVERNANCE)
    assert again.resumable and again.check.id == check.id
    assert step not in (await checks.go_back(check)).answers
    check = await checks.record(check, step, None)
    _, fresh = await checks.reopen(check, restart=True)
    assert fresh.answers == {} and not (await checks.open(SARI, hf.GOVERNANCE)).resumable
    assert await checks.finished_for(check.id, SARI) is None  # not finished yet
