"""/rapat through real Updates: scheduling by typing and by the keyboards, invitations and
answers, who may move or cancel, and presses from other cooperatives or stale versions that
change nothing. (The reminder job running on its own: tests/e2e/test_meetings.py.)"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from storage.meetings import MeetingRepo
from tests.e2e.harness import MANAGER_ID, OUTSIDER_ID, SECOND_MANAGER_ID, seed_cooperative
from tests.handlers.chat import Person

WIB = ZoneInfo("Asia/Jakarta")
WEDNESDAY = datetime(2026, 3, 18, 10, tzinfo=WIB)


def labels(message) -> list[str]:
    return [b["text"] for row in message.keyboard for b in row]


async def delivered(app) -> None:
    await app.bot_data["services"].delivery.drain(10)


async def setup_meeting(app, api):
    svc = app.bot_data["services"]
    svc.clock.set(WEDNESDAY)
    coop = await seed_cooperative(svc.db, MANAGER_ID, extra_managers={SECOND_MANAGER_ID: "Andi"})
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/rapat")
    assert "Rapat apa" in sari.last
    await sari.send("rapat pengurus saja")  # a button step: typing is refused politely
    assert "pilih salah satu tombol" in sari.last
    await sari.press("Rapat pengurus")
    await sari.send("kemarin jam 9")
    assert "sudah lewat" in sari.last
    await sari.send("rabu depan jam 9 pagi")
    assert "Rabu, 25 Maret 2026 pukul 09.00 WIB" in sari.last and "Di mana" in sari.last
    await sari.send("Ruang rapat <lt. 2>")
    await sari.send("Laporan keuangan & persiapan RAT")
    confirm = sari.messages()[-1]
    assert "Ruang rapat &lt;lt. 2&gt;" in confirm.html and "Laporan keuangan &amp; persiapan RAT" in confirm.html
    await sari.press("Kirim undangan")
    assert "Undangan dikirim ke 2 pengurus" in sari.last
    await delivered(app)
    return coop, sari, (await MeetingRepo(svc.db).upcoming(coop.id, WEDNESDAY))[0]


async def test_schedule_invite_answer_move_and_cancel(app, api):
    coop, sari, meeting = await setup_meeting(app, api)
    db = app.bot_data["services"].db
    andi = Person(app, api, SECOND_MANAGER_ID, "Andi")
    invite = next(m for m in andi.messages() if "Undangan rapat" in m.text)
    assert labels(invite) == ["✅ Hadir", "❌ Tidak hadir"] and any("Undangan rapat" in m.text for m in sari.messages())
    await andi.press("✅ Hadir")
    assert "Tercatat" in andi.answers()[-1]
    await delivered(app)
    notice = next(m for m in sari.messages() if "Andi menjawab hadir" in m.text)
    assert "Hadir (1): Andi" in notice.text and "Belum menjawab (1): Sari" in notice.text
    await andi.press_data(f"mtg:rsvp:{meeting.id}:0:no", invite.message_id)  # a version that never existed
    assert (await MeetingRepo(db).answers(meeting.id))[SECOND_MANAGER_ID].answer == "yes"

    await andi.send("/rapat")  # the bendahara, not the organiser, may not move or cancel it
    await andi.press("Rapat pengurus")
    assert "Hanya pengundang atau ketua" in andi.last
    await andi.press_data(f"mtg:cancel:{meeting.id}")
    assert "Hanya pengundang" in andi.answers()[-1]

    await sari.send("/rapat")
    await sari.press("Rapat pengurus")
    assert "Hadir (1): Andi" in sari.last and {"🕑 Pindah jadwal", "🚫 Batalkan rapat"} <= set(labels(sari.messages()[-1]))
    await sari.press("🕑 Pindah jadwal")
    await sari.press("Kam 26/3")
    await sari.press("13.00")
    assert "Rapat dipindah ke Kamis, 26 Maret 2026 pukul 13.00 WIB" in sari.last
    await delivered(app)
    assert any("Jadwal rapat dipindah" in m.text and "Semula Rabu, 25 Maret 2026" in m.text for m in andi.messages())
    assert await MeetingRepo(db).answers(meeting.id) == {}  # answers for the old time no longer hold
    await andi.press_data(f"mtg:rsvp:{meeting.id}:1:yes", invite.message_id)  # the old invitation
    assert "dibatalkan" in andi.answers()[-1] and await MeetingRepo(db).answers(meeting.id) == {}

    await sari.press("🚫 Batalkan rapat")
    await sari.press("Ya, batalkan rapat")
    assert "Rapat dibatalkan. Semua pengurus" in sari.last
    assert (await MeetingRepo(db).get(meeting.id)).status == "cancelled"


async def test_other_cooperatives_and_forged_presses_change_nothing(app, api):
    coop, sari, meeting = await setup_meeting(app, api)
    db = app.bot_data["services"].db
    await seed_cooperative(db, OUTSIDER_ID, name="Kopkar Lain", full_name="Eko")
    eko = Person(app, api, OUTSIDER_ID, "Eko")
    for data in (f"mtg:rsvp:{meeting.id}:1:yes", f"mtg:show:{meeting.id}", f"mtg:cancelok:{meeting.id}",
                 f"mtg:move:{meeting.id}", "mtg:show:abc", "mtg:rsvp"):
        await eko.press_data(data)
    assert await MeetingRepo(db).answers(meeting.id) == {}
    assert (await MeetingRepo(db).get(meeting.id)).status == "scheduled"
    stranger = Person(app, api, 4040, "Tamu")
    await stranger.press_data(f"mtg:rsvp:{meeting.id}:1:yes")
    assert "pengurus" in stranger.answers()[-1]
    await sari.press_data("mtg:send")  # no flow open any more: stale
    assert len(await MeetingRepo(db).upcoming(coop.id, WEDNESDAY)) == 1
