"""Health checks end to end, where the real process matters: stop, restart the bot and
continue a check from SQLite. The journey's behaviour (a full check with chart and history,
skipped and impossible figures, the staff alert and preventive ticket, the governance check)
is tested at the handler layer: tests/handlers/test_handlers_health.py.

Figures are the worked examples of tests/unit/test_health.py, typed the way managers type."""
from __future__ import annotations

import asyncio

from storage.health import HealthRepo
from tests.e2e.harness import seed_cooperative

# Example A (Sehat, 89.40): 16 amounts then 5 yes/no answers ("Ya"/"Tidak" are buttons).
SEHAT = ["Rp 2.000.000.000", "1 M", "500 jt", "300.000.000", "1.000.000.000,-", "1,6 M", "1.6 miliar",
         "32 jt", "0", "0", "16jt", "400 juta", "100 jt", "40.000.000", "220 jt", "110jt",
         "Ya", "Ya", "Ya", "Ya", "Tidak"]
BUTTONS = {"Ya", "Tidak", "Lewati"}
# People do not answer 20 questions in half a second; pausing keeps the bot under Telegram's
# 30 messages/s that the fake API enforces (api.rejected() must stay empty).
HUMAN_PAUSE = 0.04


def has(fragment: str):
    return lambda m: fragment.lower() in m.text.lower()


def step(number: int, total: int = 21):
    return has(f"Langkah {number} dari {total}")


async def answer_steps(user, answers, first: int = 1, total: int = 21, asked: bool = False) -> None:
    """Answer steps first.. in order; `asked`: the first question was already read."""
    for number, answer in enumerate(answers, start=first):
        if not (asked and number == first):
            await user.wait_for(step(number, total))
        await asyncio.sleep(HUMAN_PAUSE)
        if answer in BUTTONS:
            await user.press(answer)
        else:
            await user.send(answer)


async def test_stop_restart_and_continue(launch, people, api):
    sari = people.sari
    async with launch() as bot:
        await seed_cooperative(bot.services.db, sari.id)
        await sari.command("/cekkesehatan")
        await answer_steps(sari, SEHAT[:5])
        await sari.wait_for(step(6))
    async with launch() as bot:                   # the bot restarted: the flow and answers are in SQLite
        await sari.send(SEHAT[5])
        await sari.wait_for(step(7))
        await sari.command("/batal")
        await sari.wait_for(has("tersimpan"))
        await sari.send("halo")                   # no flow now: not taken as a figure
        await sari.command("/cekkesehatan")
        offer = await sari.wait_for(has("belum selesai"))
        assert "6 dari 21" in offer.text
        await sari.press("Lanjutkan")
        await answer_steps(sari, SEHAT[6:], first=7)
        result = await sari.wait_for(has("Hasil cek kesehatan keuangan"))
        assert "89,4 " in result.text
        await sari.command("/cekkesehatan")       # a new check; restart drops the old unfinished one
        await sari.wait_for(step(1))
        await sari.send("1 M")
        await sari.wait_for(step(2))
        await sari.command("/cekkesehatan")
        await sari.wait_for(has("belum selesai"))
        await sari.press("Mulai ulang")
        await sari.wait_for(step(1))
        assert (await HealthRepo(bot.services.db).unfinished(sari.id, "financial")).answers == {}
    assert api.rejected() == []
