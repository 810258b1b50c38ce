"""Health checks through real Updates: a full financial check with the chart, history and
erasure; skipped and impossible figures; the staff alert and its preventive ticket; the
governance check; forged and stale presses. (Stopping and restarting the bot mid-check needs
the real process: tests/e2e/test_health.py.)

Figures are the worked examples of tests/unit/test_health.py, typed the way managers type."""
from __future__ import annotations

from bot.health.governance import GOVERNANCE_QUESTIONS
from storage.consultants import ConsultantRepo
from storage.health import HealthRepo
from tests.e2e.harness import CONSULTANT_ID, MANAGER_ID, OUTSIDER_ID, STAFF_CHAT_ID, seed_cooperative
from tests.factories import sticker_message
from tests.handlers.chat import Person

# Example A (Sehat, 89.40): 16 amounts then 5 yes/no answers ("Ya"/"Tidak" are buttons).
SEHAT = ["Rp 2.000.000.000", "1 M", "500 jt", "300.000.000", "1.000.000.000,-", "1,6 M", "1.6 miliar",
         "32 jt", "0", "0", "16jt", "400 juta", "100 jt", "40.000.000", "220 jt", "110jt",
         "Ya", "Ya", "Ya", "Ya", "Tidak"]
# Example C (Dalam Pengawasan Khusus, 30.40).
TERPURUK = ["1,2 M", "60 jt", "150 jt", "24 jt", "960 jt", "1 M", "400 jt", "100 jt", "100 jt", "200 jt",
            "65 jt", "150 jt", "114 jt", "80 jt", "6 jt", "0", "Tidak", "Tidak", "Tidak", "Tidak", "Tidak"]
BUTTONS = {"Ya", "Tidak", "Lewati"}


def refused(api) -> list:
    """Requests the fake Bot API refused, except answering presses it never saw (handler tests
    make their own callback queries, which Telegram would call "too old")."""
    return [r for r in api.rejected() if r.method != "answerCallbackQuery"]


def step(number: int, total: int = 21) -> str:
    return f"Langkah {number} dari {total}"


async def answer_steps(person: Person, answers: list[str], first: int = 1, total: int = 21) -> None:
    for number, answer in enumerate(answers, start=first):
        assert step(number, total) in person.last, (number, person.last)
        await (person.press(answer) if answer in BUTTONS else person.send(answer))


async def coop_checks(app):
    coop = await app.bot_data["services"].accounts.cooperative_of(MANAGER_ID)
    return await HealthRepo(app.bot_data["services"].db).history(coop.id)


async def staff_messages(app, api) -> list:
    await app.bot_data["services"].delivery.drain(10)
    return Person(app, api, 0).in_group(STAFF_CHAT_ID).messages()


async def staff_texts(app, api) -> list[str]:
    return [m.text for m in await staff_messages(app, api)]


async def test_full_check_sehat_with_chart_history_and_erasure(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/cekkesehatan")
    assert sari.said("Cek kesehatan keuangan — Kopkar Sejahtera Mandiri")
    first = sari.messages()[-1]
    assert "Total aset" in first.text and "Contoh: Rp 2.000.000.000" in first.text
    await answer_steps(sari, SEHAT)
    result = next(m for m in sari.messages() if "Hasil cek kesehatan keuangan" in m.text)
    assert not [m for m in sari.messages() if any(b["text"] == "Lewati" for row in m.keyboard for b in row)]
    assert "Skor: 89,4 dari 100 → Sehat" in result.text and "Permodalan: 15 / 15" in result.text
    assert "Likuiditas: 7,5 / 15" in result.text and "/faq " in result.text
    assert any(m.kind == "photo" and "Total 89,4 — Sehat" in m.text for m in sari.messages())
    checks = await coop_checks(app)
    assert [(c.kind, c.total, c.band, c.coverage) for c in checks] == [("financial", "89.40", "sehat", "100")]
    await sari.send("/riwayat")
    assert "89,4 (Sehat)" in sari.last
    assert not [t for t in await staff_texts(app, api) if "Peringatan" in t]  # Sehat: no alert
    await sari.send("/hapusdata")
    await sari.press("Ya, hapus")
    kept = await HealthRepo(app.bot_data["services"].db).get(checks[0].id)
    assert kept.user_id is None and kept.total == "89.40"
    assert refused(api) == []


async def test_skipped_and_impossible_figures(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/cekkesehatan")
    for typed, answer in (("-5 jt", "tidak mungkin minus"), ("banyak sekali", "Mohon ketik angka rupiah"),
                          ("9" * 500, "terlalu panjang")):
        await sari.send(typed)
        assert answer in sari.last
    await app.process_update(sticker_message(app.bot, MANAGER_ID))
    assert "dalam bentuk" in sari.last
    await sari.send("1 M")
    await sari.send("2 M")  # equity above total assets
    assert "Modal sendiri lebih besar dari total aset" in sari.last
    await sari.send("300 jt")
    await answer_steps(sari, ["200 jt"], first=3)
    await sari.press("Lewati")  # no cash figure: liquidity partly unscored
    assert "(dilewati)" in next(m.text for m in sari.messages() if "Kas dan bank" in m.text)
    await sari.press("Kembali")  # back to the skipped step, then skip again
    assert step(4) in sari.last
    await sari.press("Lewati")
    await answer_steps(sari, ["400 jt", "800 jt", "720 jt", "40 jt", "40 jt"], first=5)
    await sari.send("900 jt")  # bad loans above all loans: a question back
    assert "melebihi seluruh pinjaman" in sari.last
    await sari.send("20 jt")
    await answer_steps(sari, ["35 jt", "200 jt", "90 jt", "48 jt", "30 jt", "15 jt",
                              "Ya", "Ya", "Tidak", "Tidak", "Ya"], first=11)
    result = next(m for m in sari.messages() if "Hasil cek kesehatan keuangan" in m.text)
    assert "Tidak bisa dinilai" in result.text and "sebagian tidak dinilai" in result.text
    check = (await coop_checks(app))[0]
    assert check.answers["kas_bank"] is None and check.answers["total_aset"] == "1000000000"


async def test_alert_in_staff_group_and_preventive_ticket(app, api):
    db = app.bot_data["services"].db
    await seed_cooperative(db, MANAGER_ID)
    await ConsultantRepo(db).upsert(CONSULTANT_ID, "Budi", "budi_pendamping")
    await ConsultantRepo(db).set_areas(CONSULTANT_ID, ["Cikarang Barat"])
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/cekkesehatan")
    await answer_steps(sari, TERPURUK)
    assert sari.said("30,4 dari 100 → Dalam Pengawasan Khusus") and "perlu perhatian" in sari.last
    alerts = [m for m in await staff_messages(app, api) if "Peringatan dini" in m.text]
    assert len(alerts) == 1 and "Dalam Pengawasan Khusus" in alerts[0].text
    assert f"tg://user?id={CONSULTANT_ID}" in alerts[0].html and f"tg://user?id={MANAGER_ID}" in alerts[0].html
    check = (await coop_checks(app))[0]
    eko = Person(app, api, OUTSIDER_ID, "Eko").in_group(STAFF_CHAT_ID)
    await eko.press_data(f"hc:tk:{check.id}")
    assert "hanya untuk konsultan" in eko.answers()[-1]
    budi = Person(app, api, CONSULTANT_ID, "Budi").in_group(STAFF_CHAT_ID)
    await budi.press_data(f"hc:tk:{check.id}")
    assert budi.said("Tiket preventif #0001 dibuka oleh")
    assert (await coop_checks(app))[0].ticket_id == 1
    await app.bot_data["services"].delivery.drain()  # issue 11.11: the manager is told, through the outbox
    assert sari.said("membuka tiket #0001 untuk koperasi Anda")
    await budi.press_data(f"hc:tk:{check.id}")
    assert "sudah dibuka" in budi.answers()[-1]
    await budi.press_data("hc:tk:999999")
    assert budi.answers()[-1]  # stale
    await sari.press("Konsultasi dengan pendamping")  # the /konsultasi flow, with the result as the question
    state = await app.bot_data["services"].conversations.current(MANAGER_ID, MANAGER_ID)
    assert "skor 30,4 " in state.data["question"]
    assert refused(api) == []


async def test_governance_check_for_a_non_savings_cooperative(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID, kind="konsumen")
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/cekkesehatan")  # not savings and loans: offered governance
    assert "usaha simpan pinjam" in sari.last
    await sari.press("Mulai cek tata kelola")
    assert sari.said("Cara menilai")
    total = len(GOVERNANCE_QUESTIONS)
    for question in GOVERNANCE_QUESTIONS:
        assert step(question.number, total) in sari.last
        choice = question.choice("tidak" if question.id == "pisah_uang" else question.choices[0].id)
        await sari.press(choice.label_id)
    result = next(m for m in sari.messages() if "Hasil cek tata kelola" in m.text)
    assert "Tanda bahaya" in result.text and "bercampur" in result.text and "→ Dalam Pengawasan" in result.text
    assert any("bercampur" in t for t in await staff_texts(app, api))


async def test_resume_restart_and_forged_presses(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/cekkesehatan")
    await answer_steps(sari, SEHAT[:5])
    stale_step = sari.messages()[-1]
    await sari.send("/batal")
    await sari.send("/cekkesehatan")
    assert "belum selesai" in sari.last and "5 dari 21" in sari.last
    check = (await HealthRepo(app.bot_data["services"].db).unfinished(MANAGER_ID, "financial"))
    andi = Person(app, api, OUTSIDER_ID, "Eko")
    for data in (f"hc:resume:{check.id}", f"hc:a:{check.id}:6:-", f"hc:ct:{check.id}", "hc:resume:abc", "hc"):
        await andi.press_data(data)
    await sari.press_data(f"hc:a:{check.id}:3:-", stale_step.message_id)  # an earlier step's button
    assert (await HealthRepo(app.bot_data["services"].db).get(check.id)).answers == check.answers
    await sari.press("Lanjutkan")
    assert step(6) in sari.last
    await sari.send("/cekkesehatan")
    await sari.press("Mulai ulang")
    assert step(1) in sari.last
    assert (await HealthRepo(app.bot_data["services"].db).unfinished(MANAGER_ID, "financial")).answers == {}
    group = sari.in_group(STAFF_CHAT_ID)
    await group.send("/cekkesehatan")
    assert "chat pribadi" in group.last.lower() or "pribadi" in group.last.lower()
