"""Issue 11: the manager's conversation, through real PTB updates."""
from __future__ import annotations

from storage.flows import FlowRepo
from tests.factories import button_press, text_message

SARI = 1001


def texts_to(api, chat_id: int) -> list[str]:
    return [m.text for m in api.world.events if m.chat_id == chat_id and m.event == "new"]


async def _to_name_step(app) -> None:
    for update in (text_message(app.bot, SARI, "/start"), button_press(app.bot, SARI, "reg:language:id"),
                   button_press(app.bot, SARI, "reg:consent:yes"), button_press(app.bot, SARI, "reg:path:new")):
        await app.process_update(update)


async def _step(app) -> str:
    return (await FlowRepo(app.bot_data["services"].db).get(SARI, SARI)).step


async def test_a_cooperative_name_needs_letters(app, api):
    await _to_name_step(app)
    await app.process_update(text_message(app.bot, SARI, "🙂🙂🙂🙂🙂"))
    assert "perlu berisi huruf" in texts_to(api, SARI)[-1]
    assert await _step(app) == "name"
    await app.process_update(text_message(app.bot, SARI, "Koperasi Karyawan Maju"))
    assert await _step(app) == "nik"


async def _to_members_step(app) -> None:
    await _to_name_step(app)
    for update in (text_message(app.bot, SARI, "Koperasi Karyawan Maju"),
                   button_press(app.bot, SARI, "reg:nik:-"), button_press(app.bot, SARI, "reg:kind:konsumen"),
                   button_press(app.bot, SARI, "reg:estate:0"), button_press(app.bot, SARI, "reg:kecamatan:0")):
        await app.process_update(update)


async def test_zero_members_gets_a_clear_message_and_fewer_than_nine_a_warning(app, api):
    await _to_members_step(app)
    assert await _step(app) == "members"
    await app.process_update(text_message(app.bot, SARI, "0"))
    assert "tidak bisa 0" in texts_to(api, SARI)[-1]
    assert await _step(app) == "members"
    await app.process_update(text_message(app.bot, SARI, "5"))
    assert any("paling sedikit oleh 9 orang" in t for t in texts_to(api, SARI)[-2:])
    assert await _step(app) == "fy_end_month"  # accepted all the same


async def test_registration_shows_progress(app, api):
    await _to_name_step(app)
    assert "Langkah 1 dari" in texts_to(api, SARI)[-1]


async def test_editing_one_profile_field_is_not_step_seven_of_nine(app, api):
    from tests.e2e.harness import seed_cooperative
    await seed_cooperative(app.bot_data["services"].db, SARI)
    await app.process_update(text_message(app.bot, SARI, "/profil"))
    await app.process_update(button_press(app.bot, SARI, "prof:edit:members"))
    asked = [t for t in texts_to(api, SARI) if "jumlah anggota" in t.lower()]
    edited = [c.params.get("text", "") for c in api.calls("editMessageText")]
    question = (asked or edited)[-1]
    assert "anggota" in question.lower() and "Langkah" not in question


async def test_jadwal_names_the_ministrys_target_and_the_legal_limit(app, api):
    from tests.e2e.harness import seed_cooperative
    await seed_cooperative(app.bot_data["services"].db, SARI, good_standing=False)
    await app.process_update(text_message(app.bot, SARI, "/jadwal"))  # the clock: 10 Nov 2026
    shown = texts_to(api, SARI)[-1]
    assert "target 31 Maret 2026 · batas hukum 30 Juni 2026" in shown
    assert "batas hukum sudah lewat" in shown
