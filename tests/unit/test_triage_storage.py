"""The triage log (storage/triage.py) and `python -m bot kb misses` (bot/triage/report.py)."""
from __future__ import annotations

import asyncio

import pytest

from bot.triage.service import misses, shipped_knowledge
from bot.triage.report import cmd_misses, format_misses
from storage.db import Database, NotFound
from storage.triage import TriageRepo
from storage.users import UserRepo

pytestmark = pytest.mark.unit
SARI, EKO = 1001, 3001


async def ask(db, user_id: int, question: str, feedback: str | None = None) -> int:
    """What handlers/ask.py does with a question: decide, then log."""
    decision = shipped_knowledge().decide(question)
    await UserRepo(db).ensure(user_id)
    repo = TriageRepo(db)
    triage_id = await repo.create(user_id=user_id, cooperative_id=None, question=question,
                                  normalized=decision.normalized, ranked=list(decision.ranked),
                                  confident=decision.confident,
                                  shown_entry=decision.entry.id if decision.entry else None)
    if feedback:
        await repo.set_feedback(triage_id, user_id, feedback, decision.entry.id if decision.entry else None)
    return triage_id


async def test_a_triage_row_keeps_question_ranking_and_feedback(db):
    triage_id = await ask(db, SARI, "gmn cara rat online min?")
    repo = TriageRepo(db)
    row = await repo.get(triage_id)
    assert (row.user_id, row.question, row.confident, row.shown_entry, row.feedback) == (
        SARI, "gmn cara rat online min?", True, "rat-daring", None)
    assert row.ranked[0][0] == "rat-daring" and len(row.ranked) <= 5
    assert await repo.set_feedback(triage_id, SARI, "answered", "rat-daring")
    row = await repo.get(triage_id)
    assert (row.feedback, row.answered_entry) == ("answered", "rat-daring") and row.feedback_at
    with pytest.raises(NotFound):
        await repo.get(triage_id + 100)
    with pytest.raises(ValueError):
        await repo.set_feedback(triage_id, SARI, "maybe")


async def test_only_the_asker_can_touch_their_row(db):
    triage_id = await ask(db, SARI, "gmn cara rat online min?")
    await UserRepo(db).ensure(EKO)
    repo = TriageRepo(db)
    assert await repo.owned(triage_id, EKO) is None
    assert not await repo.set_feedback(triage_id, EKO, "unhelpful")
    assert not await repo.set_shown(triage_id, EKO, "rat-kuorum")
    row = await repo.owned(triage_id, SARI)
    assert row.feedback is None and row.shown_entry == "rat-daring"


async def test_misses_group_normalised_questions_most_frequent_first(db):
    await ask(db, SARI, "harga emas hari ini")
    await ask(db, EKO, "Harga EMAS hari iniii??")
    await ask(db, SARI, "cara bikin paspor")
    await ask(db, SARI, "gmn cara rat online min?", feedback="unhelpful")
    await ask(db, SARI, "gmn cara rat online min?", feedback="answered")  # not a miss
    await ask(db, SARI, "kapan rat harus diadakan?", feedback="consultant")
    rows = await misses(db, 10)
    assert rows[0].normalized == "harga emas hari ini" and rows[0].count == 2
    assert rows[0].example == "Harga EMAS hari iniii??"  # the latest wording
    assert rows[0].not_confident == 2
    by_key = {r.normalized: r for r in rows}
    assert by_key["gmn cara rat online min"].count == 1 and by_key["gmn cara rat online min"].unhelpful == 1
    assert by_key["kapan rat harus diadakan"].consultant == 1
    assert "cara bikin paspor" in by_key
    assert len(await misses(db, 1)) == 1


async def test_a_not_confident_question_answered_by_a_candidate_names_that_entry(db):
    triage_id = await ask(db, SARI, "harga emas hari ini")
    await TriageRepo(db).set_feedback(triage_id, SARI, "answered", "kemitraan-perusahaan")
    [row] = await misses(db)
    assert row.answered_by == ["kemitraan-perusahaan"]


async def test_erasure_unlinks_questions_from_the_person(db):
    triage_id = await ask(db, SARI, "harga emas hari ini")
    repo = TriageRepo(db)
    assert [r.id for r in await repo.for_user(SARI)] == [triage_id]
    await repo.forget_user(SARI)
    assert await repo.for_user(SARI) == []
    assert await repo.owned(triage_id, SARI) is None
    assert (await repo.get(triage_id)).question == "harga emas hari ini"  # kept for the FAQ
    assert len(await misses(db)) == 1


def test_kb_misses_prints_a_table(make_settings, capsys):
    settings = make_settings()

    async def seed():
        db = await Database.open(settings.database_path)
        try:
            await ask(db, SARI, "harga emas hari ini")
            await ask(db, EKO, "harga emas hari ini!")
            await ask(db, SARI, "gmn cara rat online min?")
        finally:
            await db.close()
    asyncio.run(seed())
    assert cmd_misses(settings, limit=10) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["TIMES", "NOT-CONF"]
    assert lines[1].split()[0] == "2" and lines[1].endswith("harga emas hari ini!")
    assert "gmn cara rat online" not in out  # answered confidently: not a miss


def test_kb_misses_without_a_database_or_without_misses(make_settings, capsys, tmp_path):
    assert cmd_misses(make_settings(database_path=tmp_path / "none.sqlite3"), limit=5) == 1
    assert "No database" in capsys.readouterr().err
    settings = make_settings()
    asyncio.run(_touch(settings.database_path))
    assert cmd_misses(settings, limit=5) == 0
    assert "No misses" in capsys.readouterr().out


async def _touch(path) -> None:
    db = await Database.open(path)
    await db.close()


def test_format_misses_clips_long_questions():
    from storage.triage import MissRow
    row = MissRow("x", 3, "kata " * 40, "2025-01-02T03:04:05.000000Z", 3, 0, 0, [("rat-kuorum", 0.5)], [])
    text = format_misses([row])
    assert "rat-kuorum (0.50)" in text and "2025-01-02" in text and text.endswith("…")
