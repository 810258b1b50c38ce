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


def _buttons(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        import json
        markup = json.loads(markup)
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_rapat_never_offers_a_time_already_past_today(app, api):
    from tests.e2e.harness import seed_cooperative
    await seed_cooperative(app.bot_data["services"].db, SARI)
    await app.process_update(text_message(app.bot, SARI, "/rapat"))          # the clock: 10 Nov 2026 10.00 WIB
    await app.process_update(button_press(app.bot, SARI, "mtg:kind:pengurus"))
    await app.process_update(button_press(app.bot, SARI, "mtg:day:20261110"))
    offered = _buttons(api.calls("editMessageText")[-1])
    assert offered and offered[0] == "13.00" and not {"08.00", "09.00", "10.00"} & set(offered)
    await app.process_update(button_press(app.bot, SARI, "mtg:time:0900"))  # a forged or stale press
    assert "sudah lewat" in texts_to(api, SARI)[-1]


async def _schedule_rat(app, day: str, hhmm: str) -> None:
    from tests.e2e.harness import seed_cooperative
    await seed_cooperative(app.bot_data["services"].db, SARI)
    for update in (text_message(app.bot, SARI, "/rapat"), button_press(app.bot, SARI, "mtg:kind:rat"),
                   button_press(app.bot, SARI, f"mtg:day:{day}"), button_press(app.bot, SARI, f"mtg:time:{hhmm}"),
                   text_message(app.bot, SARI, "Aula pabrik"), button_press(app.bot, SARI, "mtg:skip")):
        await app.process_update(update)


async def test_a_rat_with_short_notice_is_warned_and_the_invitation_can_be_forwarded(app, api):
    await _schedule_rat(app, "20261112", "1300")  # two days ahead
    confirm = [c.params.get("text", "") for c in api.calls("editMessageText")][-1]
    assert "kurang dari 7 hari" in confirm
    await app.process_update(button_press(app.bot, SARI, "mtg:send"))
    created = api.calls("editMessageText")[-1]
    assert any("Teks undangan untuk anggota" in b for b in _buttons(created))
    import json
    markup = created.params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    json_data = markup["inline_keyboard"][0][0]["callback_data"]
    await app.process_update(button_press(app.bot, SARI, json_data))
    text = texts_to(api, SARI)[-1]
    assert "UNDANGAN RAPAT ANGGOTA TAHUNAN" in text.upper() and "Aula pabrik" in text


async def test_a_rat_with_enough_notice_is_not_warned(app, api):
    await _schedule_rat(app, "20261118", "1300")  # eight days ahead
    confirm = [c.params.get("text", "") for c in api.calls("editMessageText")][-1]
    assert "Periksa undangan" in confirm and "kurang dari" not in confirm


async def test_batal_at_the_erase_confirmation_cancels_it_and_the_old_button_refuses(app, api):
    from storage.users import UserRepo
    from tests.e2e.harness import seed_cooperative
    db = app.bot_data["services"].db
    await seed_cooperative(db, SARI)
    await app.process_update(text_message(app.bot, SARI, "/hapusdata"))
    await app.process_update(text_message(app.bot, SARI, "/batal"))
    assert "penghapusan dibatalkan" in texts_to(api, SARI)[-1]
    await app.process_update(button_press(app.bot, SARI, "priv:erase:yes"))  # the old button
    assert "sudah tidak berlaku" in api.calls("editMessageText")[-1].params["text"]
    assert (await UserRepo(db).get(SARI)).has_consented  # nothing erased


async def test_batal_mid_health_check_says_the_answers_are_kept(app, api):
    from tests.e2e.harness import seed_cooperative
    await seed_cooperative(app.bot_data["services"].db, SARI)
    await app.process_update(text_message(app.bot, SARI, "/cektatakelola"))
    await app.process_update(text_message(app.bot, SARI, "/batal"))
    said = texts_to(api, SARI)[-1]
    assert "tersimpan" in said and "/cektatakelola" in said and "Tidak ada yang diubah" not in said


async def test_health_check_echoes_a_typed_amount_and_back_shows_the_previous_answer(app, api):
    from tests.e2e.harness import seed_cooperative
    db = app.bot_data["services"].db
    await seed_cooperative(db, SARI, kind="simpan_pinjam")
    await app.process_update(text_message(app.bot, SARI, "/cekkesehatan"))
    await app.process_update(text_message(app.bot, SARI, "8,5 M"))
    echoed = texts_to(api, SARI)[-1]
    assert "8.500.000.000 ✓" in echoed and "Langkah 2 dari" in echoed  # and the next question below it
    check_id = (await FlowRepo(db).get(SARI, SARI)).data["check_id"]
    await app.process_update(button_press(app.bot, SARI, f"hc:b:{check_id}:2"))
    went_back = [m for m in texts_to(api, SARI) if "langkah sebelumnya" in m][-1]
    assert "8.500.000.000" in went_back


async def test_registration_asks_the_nik_certificate_date_and_jadwal_then_shows_the_renewal(app, api):
    """Issue 11 point 5: the NIK answer promised /jadwal would show the renewal date, but nothing
    asked for the certificate's date."""
    await _to_name_step(app)
    for update in (text_message(app.bot, SARI, "Koperasi Karyawan Maju"),
                   text_message(app.bot, SARI, "3216 0512 3456 7890")):
        await app.process_update(update)
    assert await _step(app) == "nik_certificate_date"
    assert "sertifikat NIK" in texts_to(api, SARI)[-1]
    await app.process_update(text_message(app.bot, SARI, "12 Maret 2025"))
    for update in (button_press(app.bot, SARI, "reg:kind:konsumen"), button_press(app.bot, SARI, "reg:estate:0"),
                   button_press(app.bot, SARI, "reg:kecamatan:0"), text_message(app.bot, SARI, "120"),
                   button_press(app.bot, SARI, "reg:fy_end_month:12"), button_press(app.bot, SARI, "reg:role:ketua"),
                   button_press(app.bot, SARI, "reg:confirm:save")):
        await app.process_update(update)
    await app.process_update(text_message(app.bot, SARI, "/jadwal"))
    shown = texts_to(api, SARI)[-1]
    assert "Pembaruan sertifikat NIK" in shown and "2027" in shown  # 24 months after 12 March 2025


async def test_no_nik_means_no_certificate_date_question(app, api):
    await _to_name_step(app)
    await app.process_update(text_message(app.bot, SARI, "Koperasi Karyawan Maju"))
    await app.process_update(button_press(app.bot, SARI, "reg:nik:-"))
    assert await _step(app) == "kind"


async def test_bahasa_switches_the_language_at_any_time(app, api):
    from tests.e2e.harness import seed_cooperative
    db = app.bot_data["services"].db
    await seed_cooperative(db, SARI)
    await app.process_update(text_message(app.bot, SARI, "/bahasa"))
    offered = _buttons(api.calls("sendMessage")[-1])
    assert offered == ["🇮🇩 Bahasa Indonesia", "🇬🇧 English"]
    await app.process_update(button_press(app.bot, SARI, "lang:set:en"))
    assert "Language set to" in api.calls("editMessageText")[-1].params["text"]
    await app.process_update(text_message(app.bot, SARI, "/jadwal"))
    assert "Dates of" in texts_to(api, SARI)[-1]
    await app.process_update(button_press(app.bot, SARI, "lang:set:xx"))  # forged
    assert (await app.bot_data["services"].accounts.language_of(SARI)) == "en"


async def test_profil_has_a_language_row(app, api):
    from tests.e2e.harness import seed_cooperative
    await seed_cooperative(app.bot_data["services"].db, SARI)
    await app.process_update(text_message(app.bot, SARI, "/profil"))
    assert "🌐 Bahasa: Indonesia" in _buttons(api.calls("sendMessage")[-1])
    await app.process_update(button_press(app.bot, SARI, "lang:menu"))
    assert "Choose your language" in texts_to(api, SARI)[-1]


async def test_batal_mid_registration_says_the_answers_are_dropped_and_how_to_start_again(app, api):
    await _to_name_step(app)
    await app.process_update(text_message(app.bot, SARI, "/batal"))
    said = texts_to(api, SARI)[-1]
    assert "/start" in said and "Tidak ada yang diubah" not in said


async def test_the_step_total_does_not_jump_when_the_nik_is_skipped(app, api):
    await _to_name_step(app)
    await app.process_update(text_message(app.bot, SARI, "Koperasi Karyawan Maju"))
    asked_nik = [t for t in texts_to(api, SARI) if "NIK koperasi" in t][-1]
    await app.process_update(button_press(app.bot, SARI, "reg:nik:-"))
    asked_kind = [c.params.get("text", "") for c in api.calls("editMessageText")] + texts_to(api, SARI)
    total = asked_nik.split("dari ")[1].split("<")[0].split()[0]
    assert any(f"Langkah 3 dari {total}" in t for t in asked_kind), (total, asked_kind[-3:])


async def test_a_reminder_waits_while_the_manager_is_in_a_flow_and_then_arrives_with_working_buttons(app, api):
    """Issue 11 point 3: a reminder arriving mid-flow interrupted it; now it waits for the flow
    to end (or to go quiet), then arrives, and its buttons work."""
    from datetime import timedelta
    from bot.core.buttons import Button, callback
    from tests.e2e.harness import seed_cooperative
    svc = app.bot_data["services"]
    svc.conversations.recheck = timedelta(seconds=0.2)
    await seed_cooperative(svc.db, SARI, kind="simpan_pinjam")
    await app.process_update(text_message(app.bot, SARI, "/cekkesehatan"))
    await app.process_update(text_message(app.bot, SARI, "8,5 M"))
    before = len(texts_to(api, SARI))
    await svc.outbox.send_text(SARI, "Pengingat: RAT tahun buku 2025", kind="reminder", dedupe_key="t:reminder",
                               keyboard=[[Button("✅ Sudah", callback("rem", "done", "rat", "2025"))]])
    await svc.delivery.drain(1.0)
    assert not [t for t in texts_to(api, SARI)[before:] if "Pengingat" in t]  # held mid-flow
    await app.process_update(text_message(app.bot, SARI, "/batal"))
    await svc.delivery.drain(5.0)
    assert [t for t in texts_to(api, SARI) if "Pengingat" in t]
    attempts = [r.attempts for r in await _outbox_rows(svc, "reminder")]
    assert attempts == [1]  # waiting spent no attempt


async def _outbox_rows(svc, kind):
    from storage.outbox import OutboxRepo
    return await OutboxRepo(svc.db).rows(kind)
