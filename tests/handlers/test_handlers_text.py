"""Issue 11's small slips and its one way to write dates and numbers, seen where a manager or an
admin sees them: real Updates through app.process_update() against the fake Bot API."""
from __future__ import annotations

from bot.health import flow as hf
from storage.cooperatives import CooperativeRepo
from storage.health import HealthRepo
from tests.e2e.harness import ADMIN_ID, MANAGER_ID, seed_cooperative
from tests.factories import button_press, text_message


def texts_to(api, chat_id: int) -> list[str]:
    """Every text the chat was shown, new or edited in place, oldest first."""
    return [m.text for m in api.world.events if m.chat_id == chat_id and m.text]


def db_of(app):
    return app.bot_data["services"].db


async def test_the_chosen_audience_is_its_own_line_not_glued_to_the_question(app, api):
    await app.process_update(text_message(app.bot, ADMIN_ID, "/siaran", first_name="Rina"))
    await app.process_update(text_message(app.bot, ADMIN_ID, "Rapat koordinasi hari Senin.", first_name="Rina"))
    await app.process_update(button_press(app.bot, ADMIN_ID, "bc:aud:all", message_text="Siaran ini untuk siapa?"))
    shown = texts_to(api, ADMIN_ID)
    assert not [t for t in shown if "untuk siapa? semua" in t]  # "Siaran ini untuk siapa? semua koperasi"
    assert "Penerima: semua koperasi ✓" in shown


async def test_the_faq_does_not_promise_to_forward_straight_away(app, api):
    await seed_cooperative(db_of(app), MANAGER_ID)
    await app.process_update(text_message(app.bot, MANAGER_ID, "bagaimana cara koperasi kami ikut pameran produk di jakarta"))
    offer = [t for t in texts_to(api, MANAGER_ID) if "Tanya konsultan" in t][-1]
    assert "langsung diteruskan" not in offer  # three steps follow the button
    assert "Kirim tiket" in offer


async def test_a_quarterly_period_reads_as_a_quarter_not_an_iso_month(app, api):
    await seed_cooperative(db_of(app), MANAGER_ID)
    await app.process_update(text_message(app.bot, MANAGER_ID, "/jadwal"))
    calendar = texts_to(api, MANAGER_ID)[-1]
    assert "Pemeriksaan triwulanan oleh pengawas (triwulan yang berakhir Desember 2026)" in calendar
    assert "(2026-" not in calendar
    assert "Rapat Anggota Tahunan (RAT) (tahun buku 2025)" in calendar
    assert "\n   31 Desember 2026 — ⏳" in calendar  # the due line keeps its indentation
    assert "Pembaruan sertifikat NIK (" not in calendar  # its period is its due date: said once


async def test_a_pressed_yes_no_answer_keeps_the_question_mark(app, api):
    coop = await seed_cooperative(db_of(app), MANAGER_ID, kind="simpan_pinjam")
    repo = HealthRepo(db_of(app))
    check = await repo.create(coop.id, MANAGER_ID, hf.FINANCIAL)
    money = [s for s in hf.step_ids(hf.FINANCIAL) if s not in ("mgmt_umum", "mgmt_kelembagaan", "mgmt_permodalan",
                                                                 "mgmt_aktiva", "mgmt_likuiditas")]
    await repo.save_answers(check.id, {**{s: "1000000000" for s in money}, "mgmt_umum": True})
    await app.process_update(text_message(app.bot, MANAGER_ID, "/cekkesehatan"))
    await app.process_update(button_press(app.bot, MANAGER_ID, "hc:resume:" + str(check.id)))
    prompt = hf.next_prompt(hf.FINANCIAL, (await repo.get(check.id)).answers)
    assert prompt.step_id == "mgmt_kelembagaan"
    await app.process_update(button_press(app.bot, MANAGER_ID, f"hc:a:{check.id}:{prompt.number}:1"))
    echo = [t for t in texts_to(api, MANAGER_ID) if "secara rutin?" in t and "✓" in t]
    assert echo and echo[-1].endswith("secara rutin? Ya ✓"), texts_to(api, MANAGER_ID)[-3:]
    assert not [t for t in texts_to(api, MANAGER_ID) if "?: " in t]
