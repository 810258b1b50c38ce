"""Asking the FAQ end to end, where the real process matters: `python -m bot kb misses` lists
what the running bot's FAQ missed. The journey's behaviour (answers, feedback, /faq browsing,
forged presses, erasure) is tested at the handler layer: tests/handlers/test_handlers_ask.py."""
from __future__ import annotations

import asyncio
import os
import sys
from tests.e2e.harness import seed_cooperative

def has(fragment: str):
    return lambda m: fragment.lower() in m.text.lower()


async def test_kb_misses_prints_the_miss(bot, people, database_path):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.send("harga emas hari ini")
    await sari.wait_for(has("Tanya konsultan"))
    await sari.send("gmn cara rat online min?")
    await sari.wait_for(has("RAT secara daring"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "STAFF_", "ADMIN_"))}
    env["DATABASE_PATH"] = str(database_path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "kb", "misses", env=env, cwd=str(database_path.parent),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    text = out.decode()
    assert "harga emas hari ini" in text and "gmn cara rat" not in text
