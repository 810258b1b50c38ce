"""Health checks end to end against the fake Bot API: a full financial check (Sehat) with the
chart and /riwayat, skipped and impossible figures, an alert in the staff group with the
preventive-ticket button, the governance check with a red flag, and stop / restart / continue.

Figures are the worked examples of tests/unit/test_health.py, typed the way managers type."""
from __future__ import annotations

import asyncio

from bot.health.governance import GOVERNANCE_QUESTIONS
from storage.consultants import ConsultantRepo
from storage.health import HealthRepo
from tests.e2e.harness import seed_cooperative

# Example A (Sehat, 89.40): 16 amounts then 5 yes/no answers ("Ya"/"Tidak" are buttons).
SEHAT = ["Rp 2.000.000.000", "1 M", "500 jt", "300.000.000", "1.000.000.000,-", "1,6 M", "1.6 miliar",
         "32 jt", "0", "0", "16jt", "400 juta", "100 jt", "40.000.000", "220 jt", "110jt",
         "Ya", "Ya", "Ya", "Ya", "Tidak"]
# Example C (Dalam Pengawasan Khusus, 30.40).
TERPURUK = ["1,2 M", "60 jt", "150 jt", "24 jt", "960 jt", "1 M", "400 jt", "100 jt", "100 jt", "200 jt",
            "65 jt", "150 jt", "114 jt", "80 jt", "6 jt", "0", "Tidak", "Tidak", "Tidak", "Tidak", "Tidak"]
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


async def add_consultant(bot, people, kecamatan: str = "Cikarang Barat") -> None:
    consultants = ConsultantRepo(bot.services.db)
    await consultants.upsert(people.budi.id, "Budi", "budi_pendamping")
    await consultants.set_areas(people.budi.id, [kecamatan])


async def test_full_check_sehat_with_chart_and_history(bot, people, api):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.command("/cekkesehatan")
    await sari.wait_for(has("Cek kesehatan keuangan — Kopkar Sejahtera Mandiri"))
    first = await sari.wait_for(step(1))
    assert "Total aset" in first.text and "Contoh: Rp 2.000.000.000" in first.text
    assert first.buttons == [["Lewati"]]
    await answer_steps(sari, SEHAT, asked=True)
    result = await sari.wait_for(has("Hasil cek kesehatan keuangan"))
    with_steps = [m for m in sari.messages if any("Lewati" in row for row in m.buttons)]
    assert with_steps == []  # answered steps lost their buttons
    assert "Skor: 89,4 dari 100 → Sehat" in result.text
    assert "Permodalan: 15 / 15" in result.text and "Likuiditas: 7,5 / 15" in result.text
    assert "Rasio kas" in result.text or "kas" in result.text.lower()  # the weakest point: idle cash
    assert "/faq " in result.text
    chart = await sari.wait_for(lambda m: m.photo)
    assert "Total 89,4 — Sehat" in chart.text
    checks = await HealthRepo(bot.services.db).history((await _coop_id(bot, sari)))
    assert [(c.kind, c.total, c.band, c.coverage) for c in checks] == [("financial", "89.40", "sehat", "100")]
    await sari.command("/riwayat")
    history = await sari.wait_for(has("Riwayat cek kesehatan"))
    assert "89,4 (Sehat)" in history.text
    await bot.drain_outbox()
    assert not [m for m in people.staff.messages() if "Peringatan" in m.text]  # Sehat: no alert
    await sari.command("/hapusdata")              # UU PDP: the check stays with the cooperative, nameless
    await sari.wait_for(has("Hapus data pribadi"))
    await sari.press("Ya, hapus")
    await sari.wait_for(has("sudah dihapus"))
    kept = await HealthRepo(bot.services.db).get(checks[0].id)
    assert kept.user_id is None and kept.total == "89.40"
    assert api.rejected() == []


async def _coop_id(bot, user) -> int:
    from storage.cooperatives import CooperativeRepo
    return (await CooperativeRepo(bot.services.db).cooperative_of(user.id)).id


async def test_skipped_and_impossible_figures(bot, people, api):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id)
    await sari.command("/cekkesehatan")
    await sari.wait_for(step(1))
    await sari.send("-5 jt")                      # total assets cannot be negative
    await sari.wait_for(has("tidak mungkin minus"))
    await sari.send("banyak sekali")              # not an amount
    await sari.wait_for(has("Mohon ketik angka rupiah"))
    await sari.send_sticker()                     # not text at all
    await sari.wait_for(has("dalam bentuk"))
    await sari.send("9" * 500)                    # overlong
    await sari.wait_for(has("terlalu panjang"))
    await sari.send("1 M")
    await sari.wait_for(step(2))
    await sari.send("2 M")                        # equity above total assets
    await sari.wait_for(has("Modal sendiri lebih besar dari total aset"))
    await sari.send("300 jt")
    await sari.wait_for(step(3))
    await sari.send("200 jt")
    await sari.wait_for(step(4))
    await sari.press("Lewati")                    # no cash figure: liquidity partly unscored
    skipped = await sari.wait_for(has("Kas dan bank"))
    assert "(dilewati)" in skipped.text and skipped.buttons == []
    await sari.wait_for(step(5))
    await sari.press("Kembali")                   # back to the skipped step, then skip again
    await sari.wait_for(step(4))
    await sari.press("Lewati")
    rest = ["400 jt", "800 jt", "720 jt", "40 jt", "40 jt", "20 jt", "35 jt", "200 jt", "90 jt", "48 jt",
            "30 jt", "15 jt", "Ya", "Ya", "Tidak", "Tidak", "Ya"]
    for number, answer in enumerate(rest, start=5):
        await sari.wait_for(step(number))
        await asyncio.sleep(HUMAN_PAUSE)
        if number == 10:                          # bad loans above all loans: a question back
            await sari.send("900 jt")
            await sari.wait_for(has("melebihi seluruh pinjaman"))
        await (sari.press(answer) if answer in BUTTONS else sari.send(answer))
    result = await sari.wait_for(has("Hasil cek kesehatan keuangan"))
    assert "Tidak bisa dinilai" in result.text and "Kas dan bank" in result.text
    assert "sebagian tidak dinilai" in result.text
    check = (await HealthRepo(bot.services.db).history(await _coop_id(bot, sari)))[0]
    assert check.answers["kas_bank"] is None and check.answers["total_aset"] == "1000000000"
    assert api.rejected() == []


async def test_alert_in_staff_group_and_preventive_ticket(bot, people, api):
    sari, budi = people.sari, people.budi
    await seed_cooperative(bot.services.db, sari.id)
    await add_consultant(bot, people)
    await sari.command("/cekkesehatan")
    await answer_steps(sari, TERPURUK)
    result = await sari.wait_for(has("Hasil cek kesehatan keuangan"))
    assert "30,4 dari 100 → Dalam Pengawasan Khusus" in result.text
    offer = await sari.wait_for(has("perlu perhatian"))
    assert offer.button("Konsultasi dengan pendamping")
    alert = await people.staff.wait_for(has("Peringatan dini"))
    assert "Kopkar Sejahtera Mandiri" in alert.text and "Dalam Pengawasan Khusus" in alert.text
    assert f"tg://user?id={budi.id}" in alert.html and f"tg://user?id={sari.id}" in alert.html
    # an outsider cannot open the ticket; the consultant can, once
    answer = await api.press_data(people.eko, alert, alert.keyboard[0][0]["callback_data"])
    assert "hanya untuk konsultan" in (answer.text or "")
    await budi.press("Buka tiket preventif", group=people.staff)
    opened = await people.staff.wait_for(has("Tiket preventif"))
    assert "#0001" in opened.text
    check = (await HealthRepo(bot.services.db).history(await _coop_id(bot, sari)))[0]
    assert check.ticket_id == 1
    answer = await api.press_data(budi, alert, alert.keyboard[0][0]["callback_data"])
    assert "sudah dibuka" in (answer.text or "")
    assert len([m for m in people.staff.messages() if "Peringatan dini" in m.text]) == 1
    # the manager takes the offered consultation: the /konsultasi flow (or its fallback text)
    await sari.press("Konsultasi dengan pendamping")
    consult = await sari.wait_for(lambda m: not m.edited and "konsultasi" in m.text.lower())
    assert "30,4 " in consult.text or "/konsultasi" in consult.text
    assert api.rejected() == []


async def test_governance_check_red_flag_for_non_savings_cooperative(bot, people, api):
    sari = people.sari
    await seed_cooperative(bot.services.db, sari.id, kind="konsumen")
    await add_consultant(bot, people)
    await sari.command("/cekkesehatan")           # not savings and loans: offered governance
    await sari.wait_for(has("usaha simpan pinjam"))
    await sari.press("Mulai cek tata kelola")
    await sari.wait_for(has("Cara menilai"))
    picks = {"pisah_uang": "tidak"}               # money mixed with the company's: a red flag
    total = len(GOVERNANCE_QUESTIONS)
    for question in GOVERNANCE_QUESTIONS:
        await sari.wait_for(step(question.number, total))
        await asyncio.sleep(HUMAN_PAUSE)
        choice = question.choice(picks.get(question.id, question.choices[0].id))
        await sari.press(choice.label_id)
    result = await sari.wait_for(has("Hasil cek tata kelola"))
    assert "Tanda bahaya" in result.text and "bercampur" in result.text
    assert "→ Dalam Pengawasan" in result.text
    alert = await people.staff.wait_for(has("Peringatan dini"))
    assert "bercampur" in alert.text
    assert api.rejected() == []


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
        await sari.wait_for(has("dibatalkan"))
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
