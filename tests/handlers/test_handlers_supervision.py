"""Supervision in the chat (issue 14): /koperasi, /risiko, /binaan, /laporan, /kunjungan, fed as
real PTB updates; who may see what is checked on every command and every press."""
from __future__ import annotations

import io
import itertools
from datetime import date

import openpyxl
from telegram import CallbackQuery, Chat, Message, PhotoSize, User

from bot.app import _post_init, _post_shutdown, build_application
from bot.supervision import seed as sd
from storage.db import Database
from storage.flows import FlowRepo
from storage.supervision import SupervisionRepo
from storage.tickets import TicketRepo
from tests.e2e.harness import (ADMIN_ID, CONSULTANT_ID, MANAGER_ID, OUTSIDER_ID, STAFF_CHAT_ID, seed_cooperative,
                               settings_for)
from tests.factories import NOW, text_message, user

SMALL = sd.Scale(cooperatives=40, tickets=160, checks=60, visits=25, pendamping=3, months=3, questions=40)
TODAY = date(2026, 11, 10)  # QUIET_CLOCK's day
_ids = itertools.count(10_000)


def staff_chat() -> Chat:
    return Chat(STAFF_CHAT_ID, Chat.SUPERGROUP, title="Klinik Koperasi - Staf")


def press(bot, from_id: int, data: str, chat: Chat | None = None):
    from telegram import Update
    chat = chat or Chat(from_id, Chat.PRIVATE)
    shown = Message(next(_ids), NOW, chat, from_user=User(123456, "Klinik", True), text="kartu")
    shown.set_bot(bot)
    query = CallbackQuery(str(next(_ids)), user(from_id), chat_instance="ci", message=shown, data=data)
    query.set_bot(bot)
    update = Update(next(_ids), callback_query=query)
    update.set_bot(bot)
    return update


def photo_message(bot, from_id: int):
    from telegram import Update
    size = PhotoSize("AgACAgIAAxkBAAIBsample", "uniq-photo", 800, 600)
    msg = Message(next(_ids), NOW, Chat(from_id, Chat.PRIVATE), from_user=user(from_id), photo=[size])
    msg.set_bot(bot)
    update = Update(next(_ids), message=msg)
    update.set_bot(bot)
    return update


def svc(app):
    return app.bot_data["services"]


def texts_to(api, chat_id: int) -> list[str]:
    return [m.text for m in api.world.events if m.chat_id == chat_id and m.event == "new"]


def popups(api) -> list[str]:
    return [c.params.get("text") for c in api.calls("answerCallbackQuery")]


async def seeded(app) -> None:
    counts = await sd.seed(svc(app).db, TODAY, svc(app).settings.tz, SMALL)
    assert counts["cooperatives"] == 40


async def test_card_for_a_consultant_in_the_staff_group(app, api):
    await seeded(app)
    coop = (await SupervisionRepo(svc(app).db).search("1"))[0]
    name = coop["name"]
    await app.process_update(text_message(app.bot, CONSULTANT_ID, f"/koperasi {name}", chat=staff_chat()))
    card = [m for m in api.world.events if m.chat_id == STAFF_CHAT_ID][-1]
    assert name in card.text and "Kewajiban" in card.text and "Kesehatan" in card.text and "Tiket" in card.text
    assert "Kunjungan pendamping terakhir" in card.text
    assert [b for row in card.buttons for b in row][:1] == ["🎫 Buka tiket preventif"]
    # several matches: a choice, each a button to its card
    await app.process_update(text_message(app.bot, CONSULTANT_ID, "/koperasi kopkar", chat=staff_chat()))
    pick = [m for m in api.world.events if m.chat_id == STAFF_CHAT_ID][-1]
    assert "Beberapa koperasi" in pick.text and len(pick.buttons) > 1


async def test_a_manager_sees_only_their_own_cooperative_and_no_lists(app, api):
    await seeded(app)
    db = svc(app).db
    mine = await seed_cooperative(db, MANAGER_ID, name="Kopkar Sari Sejahtera")
    other = (await SupervisionRepo(db).search("KSP"))[0]["name"]
    await app.process_update(text_message(app.bot, MANAGER_ID, f"/koperasi {other}"))
    answer = texts_to(api, MANAGER_ID)[-1]
    assert mine.name in answer and other not in answer
    assert "Risiko" not in answer and "Kunjungan pendamping" not in answer  # the office's notes stay internal
    for command in ("/risiko", "/binaan", "/laporan", "/kunjungan"):
        await app.process_update(text_message(app.bot, MANAGER_ID, command))
        assert "hanya untuk konsultan" in texts_to(api, MANAGER_ID)[-1]
    assert not api.calls("sendDocument")


async def test_forged_and_outsider_presses_are_refused(app, api):
    await seeded(app)
    db = svc(app).db
    before = len(await TicketRepo(db).of_cooperative(1, limit=500))
    # a manager forging the card's button, in private and in a chat that is not the staff group
    await seed_cooperative(db, MANAGER_ID)
    for data in ("sv:tk:1", "sv:hs:1", "sv:card:1", "sv:vs:1"):
        await app.process_update(press(app.bot, MANAGER_ID, data))
        assert popups(api)[-1] == "Hanya untuk konsultan klinik dan admin Dinas."
    await app.process_update(press(app.bot, OUTSIDER_ID, "sv:tk:1", chat=Chat(-100999, Chat.SUPERGROUP)))
    assert popups(api)[-1] == "Hanya untuk konsultan klinik dan admin Dinas."
    # a consultant's press from another group is not a staff action either
    await app.process_update(press(app.bot, CONSULTANT_ID, "sv:tk:1", chat=Chat(-100999, Chat.SUPERGROUP)))
    assert popups(api)[-1] == "Hanya untuk konsultan klinik dan admin Dinas."
    assert len(await TicketRepo(db).of_cooperative(1, limit=500)) == before
    # a stale id from a real consultant
    await app.process_update(press(app.bot, CONSULTANT_ID, "sv:tk:99999", chat=staff_chat()))
    assert popups(api)[-1] == "Tombol ini sudah tidak berlaku."


async def test_preventive_ticket_from_the_card_once(app, api):
    await seeded(app)
    db = svc(app).db
    await app.process_update(press(app.bot, CONSULTANT_ID, "sv:tk:3", chat=staff_chat()))
    opened = [t for t in await TicketRepo(db).of_cooperative(3, limit=500) if t.source == "supervision"]
    assert len(opened) == 1 and opened[0].service == "preventif" and opened[0].category == "kepatuhan"
    assert any(t.startswith("Tiket preventif") for t in texts_to(api, STAFF_CHAT_ID))
    await app.process_update(press(app.bot, CONSULTANT_ID, "sv:tk:3", chat=staff_chat()))
    assert any("masih terbuka" in t for t in texts_to(api, STAFF_CHAT_ID))
    assert len([t for t in await TicketRepo(db).of_cooperative(3, limit=500) if t.source == "supervision"]) == 1


async def test_risk_list_with_reasons_and_kecamatan_filter(app, api):
    await seeded(app)
    await app.process_update(text_message(app.bot, CONSULTANT_ID, "/risiko", chat=staff_chat()))
    answer = texts_to(api, STAFF_CHAT_ID)[-1]
    assert "Koperasi berisiko" in answer and "poin" in answer
    assert any(reason in answer for reason in ("RAT lewat batas UU", "Tiket kuratif berulang",
                                               "Hasil cek Dalam Pengawasan", "Laporan RAT belum masuk"))
    listing = [m for m in api.world.events if m.chat_id == STAFF_CHAT_ID][-1]
    assert listing.buttons and all(row[0][0].isdigit() for row in listing.buttons)
    await app.process_update(text_message(app.bot, CONSULTANT_ID, "/risiko cikarang barat", chat=staff_chat()))
    assert "Kec. Cikarang Barat" in texts_to(api, STAFF_CHAT_ID)[-1]
    await app.process_update(text_message(app.bot, CONSULTANT_ID, "/risiko atlantis", chat=staff_chat()))
    assert "tidak dikenal" in texts_to(api, STAFF_CHAT_ID)[-1]


async def test_binaan_lists_the_pendamping_kecamatan_worst_first(app, api):
    await seeded(app)
    await app.process_update(text_message(app.bot, CONSULTANT_ID, "/binaan", chat=staff_chat()))
    answer = texts_to(api, STAFF_CHAT_ID)[-1]
    assert "Koperasi binaan" in answer and "Cikarang Barat" in answer
    ranked = await svc(app).supervision.ranking(list(sd.DEMO_AREAS))
    scores = [a.score for a in ranked]
    assert scores == sorted(scores, reverse=True)
    if ranked:
        assert ranked[0].facts.name in answer
    # an admin with no kecamatan is told how to set them
    await app.process_update(text_message(app.bot, ADMIN_ID, "/binaan", chat=staff_chat()))
    assert "/wilayah" in texts_to(api, STAFF_CHAT_ID)[-1]


async def test_laporan_sends_the_workbook_and_the_chart_through_the_outbox(app, api):
    await seeded(app)
    asked = text_message(app.bot, CONSULTANT_ID, "/laporan 2026-10", chat=staff_chat())
    await app.process_update(asked)
    await app.process_update(asked)  # Telegram delivers the same update again: queued once
    await svc(app).delivery.drain(20)
    docs = [c for c in api.calls("sendDocument") if c.ok]
    photos = [c for c in api.calls("sendPhoto") if c.ok]
    assert len(docs) == 1 and len(photos) == 1
    sent = [m for m in api.world.events if m.chat_id == STAFF_CHAT_ID and m.kind == "document"][-1]
    record = api.world.files[sent.raw["document"]["file_id"]]
    assert record.file_name == "laporan-klinik-koperasi-2026-10.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(record.data))
    assert book.sheetnames == ["Ringkasan", "Koperasi", "Tiket", "Kesehatan", "Kecamatan", "Kunjungan"]
    assert len(book["Ringkasan"]._charts) >= 3
    assert "Oktober 2026" in [m for m in api.world.events if m.kind == "photo"][-1].text
    # bad period
    await app.process_update(text_message(app.bot, CONSULTANT_ID, "/laporan kemarin", chat=staff_chat()))
    assert "Pakai:" in texts_to(api, STAFF_CHAT_ID)[-1]


async def test_visit_flow_survives_a_restart_and_shows_on_the_card(app, api, tmp_path):
    await seeded(app)
    db = svc(app).db
    coop = (await SupervisionRepo(db).search("KSP"))[0]
    await app.process_update(text_message(app.bot, CONSULTANT_ID, "/kunjungan", first_name="Budi"))
    await app.process_update(text_message(app.bot, CONSULTANT_ID, coop["name"], first_name="Budi"))
    assert coop["name"] in texts_to(api, CONSULTANT_ID)[-1]
    await app.process_update(text_message(app.bot, CONSULTANT_ID, "8/11", first_name="Budi"))
    assert (await FlowRepo(db).get(CONSULTANT_ID, CONSULTANT_ID)).step == "kind"
    # the bot restarts mid-flow: a new Application on the same database continues it
    await app.shutdown()
    await _post_shutdown(app)
    second = build_application(settings_for(api, tmp_path / "h.sqlite3", rate_limit=False))
    await second.initialize()
    await _post_init(second)
    try:
        await second.process_update(press(second.bot, CONSULTANT_ID, "sv:vk:kunjungan"))
        await second.process_update(text_message(second.bot, CONSULTANT_ID, "Pengawas belum memeriksa kas.",
                                                 first_name="Budi"))
        await second.process_update(text_message(second.bot, CONSULTANT_ID, "Rapat pengawas tanpa tanggal",
                                                 first_name="Budi"))
        assert "titik koma" in texts_to(api, CONSULTANT_ID)[-1]
        await second.process_update(text_message(second.bot, CONSULTANT_ID, "Rapat pengurus dan pengawas; 20/11",
                                                 first_name="Budi"))
        await second.process_update(press(second.bot, CONSULTANT_ID, "sv:vn"))
        await second.process_update(photo_message(second.bot, CONSULTANT_ID))
        await second.process_update(press(second.bot, CONSULTANT_ID, "sv:vp"))
        assert "Kunjungan tersimpan" in texts_to(api, CONSULTANT_ID)[-1]
        await second.process_update(press(second.bot, CONSULTANT_ID, "sv:vp"))  # pressed again: nothing new
        db2 = second.bot_data["services"].db
        visits = await SupervisionRepo(db2).visits_of(coop["id"], limit=50)
        mine = [v for v in visits if v["findings"] == "Pengawas belum memeriksa kas."]
        assert len(mine) == 1
        assert mine[0]["visited_on"] == "2026-11-08" and mine[0]["kind"] == "kunjungan" and mine[0]["photos"] == 1
        assert [(f["action"], f["due_on"]) for f in mine[0]["followups"]] == [("Rapat pengurus dan pengawas",
                                                                             "2026-11-20")]
        await second.process_update(text_message(second.bot, CONSULTANT_ID, f"/koperasi {coop['name']}",
                                                 chat=staff_chat()))
        assert "Pengawas belum memeriksa kas." in texts_to(api, STAFF_CHAT_ID)[-1]
    finally:
        await second.shutdown()
        await _post_shutdown(second)
        await app.initialize()  # the fixture shuts `app` down again
        await _post_init(app)


async def test_card_button_starts_the_visit_in_the_private_chat(app, api):
    await seeded(app)
    await app.process_update(press(app.bot, CONSULTANT_ID, "sv:vs:2", chat=staff_chat()))
    assert popups(api)[-1] == "Lanjutkan di chat pribadi dengan bot."
    state = await FlowRepo(svc(app).db).get(CONSULTANT_ID, CONSULTANT_ID)
    assert (state.name, state.step, state.data["coop"]) == ("visit", "date", 2)
    assert "Tanggal kunjungan" in texts_to(api, CONSULTANT_ID)[-1]


async def test_migration_0010_applies_to_a_fresh_database(tmp_path):
    """Migration 0010 applies on an empty database (tables used by the repository exist)."""
    db = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        assert await SupervisionRepo(db).claim("k", "report")
        assert not await SupervisionRepo(db).claim("k", "report")
    finally:
        await db.close()


async def test_follow_up_done_button_only_for_its_pendamping_or_an_admin(app, api):
    db = svc(app).db
    coop = await seed_cooperative(db, MANAGER_ID)
    async with db.transaction() as tx:
        await SupervisionRepo(tx).add_visit(cooperative_id=coop.id, pendamping_id=CONSULTANT_ID,
                                            visited_on=date(2026, 11, 2), kind="kunjungan", findings="Kas",
                                            followups=[("Pisahkan rekening", date(2026, 11, 9))], source_key="f")
    await app.process_update(press(app.bot, OUTSIDER_ID, "sv:fd:1"))
    assert popups(api)[-1] == "Hanya untuk konsultan klinik dan admin Dinas."
    await app.process_update(press(app.bot, MANAGER_ID, "sv:fd:1"))
    assert popups(api)[-1] == "Hanya untuk konsultan klinik dan admin Dinas."
    assert await SupervisionRepo(db).followup(1) is not None
    await app.process_update(press(app.bot, CONSULTANT_ID, "sv:fd:1"))
    assert popups(api)[-1] == "Tindak lanjut ditandai selesai."
    assert await SupervisionRepo(db).followup(1) is None
    await app.process_update(press(app.bot, CONSULTANT_ID, "sv:fd:1"))  # pressed again
    assert popups(api)[-1] == "Tombol ini sudah tidak berlaku."


async def test_an_admin_gets_the_report_in_a_private_chat(app, api):
    await seeded(app)
    await app.process_update(text_message(app.bot, ADMIN_ID, "/laporan triwulan", first_name="Rina"))
    await svc(app).delivery.drain(20)
    docs = [c for c in api.calls("sendDocument") if c.ok]
    assert len(docs) == 1 and str(docs[0].params["chat_id"]) == str(ADMIN_ID)
    sent = [m for m in api.world.events if m.chat_id == ADMIN_ID and m.kind == "document"][-1]
    assert api.world.files[sent.raw["document"]["file_id"]].file_name == "laporan-klinik-koperasi-2026-Q4.xlsx"
