"""/siaran through real Updates: only admins, composing in a private chat or in the staff group
(with the Telegram app's formatting), the audience and its count, sending now (each recipient
once, with a report), scheduling and cancelling. (Faults, restarts and kills mid-broadcast, and
the scheduled job: tests/e2e/test_broadcasts.py.)"""
from __future__ import annotations

from collections import Counter

from telegram import MessageEntity

from storage.broadcasts import BroadcastRepo
from tests.e2e.harness import ADMIN_ID, CONSULTANT_ID, MANAGER_ID, OUTSIDER_ID, SECOND_MANAGER_ID, STAFF_CHAT_ID, seed_cooperative
from tests.handlers.chat import Person


def received(api, user_ids) -> Counter:
    wanted = set(user_ids)
    return Counter(e.chat_id for e in api.world.events
                   if e.event == "new" and e.chat_id in wanted and "Siaran Dinas" in e.text)


async def delivered(app) -> None:
    await app.bot_data["services"].delivery.drain(10)


async def compose(rina: Person, text: str, audience: str, entities=None) -> None:
    await rina.send("/siaran")
    assert "Siaran baru" in rina.last
    await rina.send(text, entities)
    assert "untuk siapa" in rina.last
    await rina.press(audience)


async def test_only_admins_may_broadcast(app, api):
    db = app.bot_data["services"].db
    await seed_cooperative(db, MANAGER_ID)
    for person in (Person(app, api, OUTSIDER_ID, "Eko"), Person(app, api, MANAGER_ID),
                   Person(app, api, CONSULTANT_ID, "Budi").in_group(STAFF_CHAT_ID)):  # a consultant, not an admin
        await person.send("/siaran")
        assert "hanya untuk admin" in person.last
    sari = Person(app, api, MANAGER_ID)
    await sari.press_data("bc:now")  # a forged press from a non-admin does nothing
    assert "admin" in sari.answers()[-1]
    await compose(Person(app, api, ADMIN_ID, "Rina"), "Halo", "Semua koperasi")
    assert await BroadcastRepo(db).with_status("sending", "done", "scheduled") == []  # only a preview so far


async def test_send_now_reaches_each_manager_once_with_a_report(app, api):
    db = app.bot_data["services"].db
    await seed_cooperative(db, MANAGER_ID, extra_managers={SECOND_MANAGER_ID: "Andi"})
    rina = Person(app, api, ADMIN_ID, "Rina")
    await compose(rina, 'Rapat <b>RAT 2026</b>, info: <a href="https://example.org/rat">tautan</a> & SHU',
                  "Semua koperasi")
    preview = next(m for m in rina.messages() if "Siaran Dinas" in m.text)
    assert "<b>RAT 2026</b>" in preview.html and "&amp; SHU" in preview.html
    assert "Penerima: 2 pengurus" in rina.last
    await rina.press("Kirim sekarang")
    await rina.press_data("bc:now")  # a second press of "send"
    await delivered(app)
    assert received(api, [MANAGER_ID, SECOND_MANAGER_ID]) == Counter({MANAGER_ID: 1, SECOND_MANAGER_ID: 1})
    assert rina.said("Laporan siaran") and rina.said("2/2 terkirim")


async def test_staff_group_by_kecamatan_with_the_apps_formatting(app, api):
    db = app.bot_data["services"].db
    await seed_cooperative(db, MANAGER_ID, kecamatan="Cikarang Barat")
    await seed_cooperative(db, OUTSIDER_ID, name="Kopkar Setu", kecamatan="Setu", full_name="Eko")
    rina = Person(app, api, ADMIN_ID, "Rina").in_group(STAFF_CHAT_ID)
    # Formatting from the Telegram app arrives as entities; a literal "<i>" stays text.
    await compose(rina, "Pelatihan pengurus <i> gratis", "Per kecamatan",
                  [MessageEntity(MessageEntity.BOLD, 0, 9)])
    await rina.press("Setu")
    assert "Penerima: 1 pengurus" in rina.last
    await rina.press("Kirim sekarang")
    await delivered(app)
    assert received(api, [MANAGER_ID, OUTSIDER_ID]) == Counter({OUTSIDER_ID: 1})
    sent = next(e for e in api.world.events if e.chat_id == OUTSIDER_ID and "Siaran Dinas" in e.text)
    assert "<b>Pelatihan</b> pengurus &lt;i&gt; gratis" in sent.html


async def test_schedule_then_cancel(app, api):
    db = app.bot_data["services"].db
    await seed_cooperative(db, MANAGER_ID)
    rina = Person(app, api, ADMIN_ID, "Rina")
    await compose(rina, "Pengingat <b>RAT</b>", "Semua koperasi")
    await rina.press("Jadwalkan")
    assert "Kapan siaran" in rina.last
    await rina.send("kemarin jam 9")
    assert "belum bisa saya baca" in rina.last
    await rina.send("besok jam 9")
    await rina.press("Ya, jadwalkan")
    assert "dijadwalkan pada" in rina.last
    [scheduled] = await BroadcastRepo(db).with_status("scheduled")
    assert app.job_queue.get_jobs_by_name(f"broadcast:{scheduled.id}")
    await rina.send("/siaran")
    assert f"#{scheduled.id}" in rina.last
    await rina.press(f"Batalkan siaran #{scheduled.id}")
    assert f"Siaran terjadwal #{scheduled.id} dibatalkan" in rina.last
    assert (await BroadcastRepo(db).get(scheduled.id)).status == "cancelled"
    assert not app.job_queue.get_jobs_by_name(f"broadcast:{scheduled.id}")
    await delivered(app)
    assert received(api, [MANAGER_ID]) == Counter()


def _reply(app, user_id: int, text: str, replied_message_id: int, replied_text: str):
    """A manager's Telegram reply to one of the bot's messages, as a real Update."""
    from telegram import Chat, Message, Update, User
    from tests.factories import NOW, user
    chat = Chat(user_id, Chat.PRIVATE)
    replied = Message(replied_message_id, NOW, chat, from_user=User(123456, "Klinik", True), text=replied_text)
    message = Message(90_000 + replied_message_id, NOW, chat, from_user=user(user_id), text=text,
                      reply_to_message=replied)
    message.set_bot(app.bot)
    update = Update(80_000 + replied_message_id, message=message)
    update.set_bot(app.bot)
    return update


async def test_response_buttons_are_counted_and_replies_reach_the_office(app, api):
    """Issue 11 point 6: replies to a broadcast were triaged as FAQ questions; an admin could not
    ask for answers."""
    db = app.bot_data["services"].db
    await seed_cooperative(db, MANAGER_ID)
    rina = Person(app, api, ADMIN_ID, "Rina")
    await compose(rina, "Pelatihan RAT daring, Kamis 10.00. Daftar dengan membalas pesan ini.", "Semua koperasi")
    await rina.press("Tombol jawaban")
    assert "Hadir / Tidak hadir" in rina.last
    await rina.press("Kirim sekarang")
    await delivered(app)
    sari = Person(app, api, MANAGER_ID)
    copy = next(m for m in sari.messages() if "Siaran Dinas" in m.text)
    assert [b["text"] for b in copy.keyboard[0]] == ["✅ Hadir", "❌ Tidak hadir"]
    await sari.press_data(copy.keyboard[0][0]["callback_data"], copy.message_id, copy.text)
    assert "Tercatat" in sari.answers()[-1]
    await sari.press_data(copy.keyboard[0][1]["callback_data"], copy.message_id + 999, copy.text)  # not that message
    assert "tidak berlaku" in sari.answers()[-1]
    await rina.send("/siaran")
    assert "✅ Hadir 1 · ❌ Tidak hadir 0" in rina.last
    await rina.send("/batal")

    tickets = app.bot_data["services"].tickets  # an open ticket must leave a reply to a broadcast alone
    await tickets.open(cooperative_id=1, manager_user_id=MANAGER_ID, service="kuratif", category="sengketa",
                       question="Sengketa", source="test")
    await app.process_update(_reply(app, MANAGER_ID, "Kami daftar 3 orang <pengurus>", copy.message_id, copy.text))
    assert "diteruskan ke petugas" in sari.last
    assert [h for h in (await tickets.detail(1)).history if h.message.direction == "in"] == []
    await delivered(app)
    staff = Person(app, api, ADMIN_ID).in_group(STAFF_CHAT_ID)
    post = next(m for m in staff.messages() if "Balasan siaran" in m.text)
    assert "Kami daftar 3 orang <pengurus>" in post.text and "Kopkar Sejahtera Mandiri" in post.text
    assert not sari.said("Tanya konsultan")  # not triaged as a FAQ question
