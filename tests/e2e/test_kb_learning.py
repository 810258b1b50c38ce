"""The knowledge base learns from the clinic's work (issue 13), end to end: a consultant answers
a ticket with `/faq <id>`; the manager's question becomes a labelled candidate; `python -m bot kb
misses --tsv` lists and exports it; `python -m bot kb learn` adds it to the entry's examples and
runs the check; afterwards the matcher answers that wording with that entry."""
from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

from knowledge.loader import ENTRIES_DIR, load_entries
from knowledge.matcher import Matcher
from storage.triage import CandidateRepo
from tests.e2e.harness import seed_cooperative
from tests.e2e.test_tickets import has, open_ticket_as

QUESTION = "anggota kabur ke luar kota, cicilannya mandek setahun, jaminannya cuma BPKB butut, enaknya gimana"


async def _cli(database_path: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "STAFF_", "ADMIN_"))}
    env["DATABASE_PATH"] = str(database_path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "kb", *args, env=env, cwd=str(Path(__file__).resolve().parents[2]),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return proc.returncode, out.decode()


async def test_faq_answer_on_a_ticket_becomes_an_example(bot, people, database_path, tmp_path):
    sari, budi, staff = people.sari, people.budi, people.staff
    db = bot.services.db
    await seed_cooperative(db, sari.id)
    await open_ticket_as(sari, staff, text=QUESTION, photo=False)
    card = await staff.wait_for(has("Tiket #0001"))
    await budi.command("/faq pinjaman-macet", group=staff, reply_to=card)
    await staff.wait_for(has("dikirim ke pengurus tiket #0001"))

    pending = await CandidateRepo(db).pending()
    assert [(c.question, c.entry_id, c.source) for c in pending] == [(QUESTION, "pinjaman-macet", "ticket:1")]

    review = tmp_path / "review.tsv"
    code, out = await _cli(database_path, "misses", "--tsv", str(review))
    assert code == 0, out
    assert "pinjaman-macet" in out and "anggota kabur ke luar kota" in out
    assert review.read_text(encoding="utf-8").splitlines()[1] == f"{QUESTION}\tpinjaman-macet"

    entries = tmp_path / "entries"
    shutil.copytree(ENTRIES_DIR, entries)
    code, out = await _cli(database_path, "learn", str(review), "--entries", str(entries))
    assert code == 0, out
    assert "added 1 example(s); knowledge base OK; 1 candidate(s) marked learned" in out
    learned = {e.id: e for e in load_entries(entries)}
    assert learned["pinjaman-macet"].examples[-1] == QUESTION
    assert Matcher(list(learned.values())).ask(QUESTION).matches[0].id == "pinjaman-macet"
    assert await CandidateRepo(db).pending() == []

    code, out = await _cli(database_path, "learn", str(review), "--entries", str(entries))  # again: no duplicate
    assert code == 0 and "already an example" in out
    again = {e.id: e for e in load_entries(entries)}["pinjaman-macet"]
    assert again.examples.count(QUESTION) == 1
