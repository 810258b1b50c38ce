"""Meetings end to end: a manager schedules a meeting by typing the date as people type it,
the other manager answers [Hadir], the organiser is told and sees who answered, reminders
come 3 days before, the meeting is moved with the date keyboard and then cancelled (everyone
is told each time), and presses from outsiders or other cooperatives change nothing."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from storage.meetings import MeetingRepo
from tests.e2e.harness import OUTSIDER_ID, SECOND_MANAGER_ID, seed_cooperative

WIB = ZoneInfo("Asia/Jakarta")


def has(*fragments: str):
    return lambda m: all(f.lower() in m.text.lower() for f in fragments)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


async def test_meeting_with_attendance_reminder_move_and_cancel(launch, people):
    # Over 60 lines by design: one meeting's life told in order, each step depending on the last.
    sari, andi, eko = people.sari, people.andi, people.eko
    # Wednesday 18 March 2026, 10:00 WIB. Outside every obligation reminder's window.
    async with launch(clock_start=wib(2026, 3, 18, 10), reminder_tick_seconds=0.1) as bot:
        db = bot.services.db
        coop = await seed_cooperative(db, sari.id, extra_managers={SECOND_MANAGER_ID: "Andi"})
        await seed_cooperative(db, OUTSIDER_ID, name="Kopkar Lain", full_name="Eko", good_standing=False)
        sari.skip(), andi.skip()

        await sari.command("/rapat")
        await sari.wait_for(has("Rapat apa"))
        await sari.send("rapat pengurus saja")  # a button step: typing is refused politely
        await sari.wait_for(has("pilih salah satu tombol"))
        await sari.press("Rapat pengurus")
        await sari.wait_for(has("Kapan rapatnya"))
        await sari.send("kemarin jam 9")
        await sari.wait_for(has("sudah lewat"))
        await sari.send("rabu depan jam 9 pagi")
        await sari.wait_for(has("Rabu, 25 Maret 2026 pukul 09.00 WIB", "Di mana"))
        await sari.send("Ruang rapat <lt. 2>")
        await sari.wait_for(has("agenda"))
        await sari.send("Laporan keuangan & persiapan RAT")
        confirm = await sari.wait_for(has("Periksa undangan"))
        assert "Ruang rapat &lt;lt. 2&gt;" in confirm.html and "Laporan keuangan &amp; persiapan RAT" in confirm.html
        await sari.press("Kirim undangan")
        await sari.wait_for(has("Undangan dikirim ke 2 pengurus"))

        invite = await andi.wait_for(has("Undangan rapat", "Rabu, 25 Maret 2026 pukul 09.00 WIB"))
        assert invite.buttons == [["✅ Hadir", "❌ Tidak hadir"]]
        await bot.drain_outbox()
        assert any("Undangan rapat" in m.text for m in sari.messages)  # the organiser is invited too
        meeting = (await MeetingRepo(db).upcoming(coop.id, wib(2026, 3, 18, 10)))[0]

        # An outsider's cooperative cannot answer for this meeting, even with forged data.
        await eko.command("/jadwal")
        eko_msg = await eko.wait_for(has("Jadwal Kopkar Lain"))
        toast = await bot.api.press_data(eko, eko_msg, f"mtg:rsvp:{meeting.id}:1:yes")
        assert "dibatalkan, sudah lewat" in (toast.text or "")
        assert await MeetingRepo(db).answers(meeting.id) == {}

        toast = await andi.press("✅ Hadir", invite)
        assert "Tercatat" in (toast.text or "")
        notice = await sari.wait_for(has("Andi menjawab hadir"))
        assert "Hadir (1): Andi" in notice.text and "Belum menjawab (1): Sari" in notice.text
        # A stale press from before a move counts for nothing (version 0 never existed).
        toast = await bot.api.press_data(andi, invite, f"mtg:rsvp:{meeting.id}:0:no")
        assert (await MeetingRepo(db).answers(meeting.id))[andi.id].answer == "yes"

        await sari.command("/rapat")
        listing = await sari.wait_for(has("Rapat terjadwal"))
        await sari.press("Rapat pengurus", listing)
        detail = await sari.wait_for(has("Hadir (1): Andi"))
        assert ["🕑 Pindah jadwal", "🚫 Batalkan rapat"] in detail.buttons

        # Three days before: a reminder to both (Andi answered, so no buttons for him).
        bot.services.clock.set(wib(2026, 3, 22, 9, 0, 1))
        reminder = await andi.wait_for(has("Pengingat rapat", "3 hari lagi"), timeout=10)
        assert not reminder.keyboard
        assert (await sari.wait_for(has("Pengingat rapat"))).buttons == [["✅ Hadir", "❌ Tidak hadir"]]

        # Andi (bendahara, not the organiser) may not move it.
        await andi.command("/rapat")
        await andi.press("Rapat pengurus", await andi.wait_for(has("Rapat terjadwal")))
        andi_detail = await andi.wait_for(has("Hanya pengundang atau ketua"))
        toast = await bot.api.press_data(andi, andi_detail, f"mtg:cancel:{meeting.id}")
        assert "Hanya pengundang" in (toast.text or "")

        # Moved with the keyboard: a date, then a time.
        await sari.press("🕑 Pindah jadwal", detail)
        await sari.wait_for(has("Pindah jadwal", "waktu barunya"))
        await sari.press("Kam 26/3")
        await sari.wait_for(has("Jam berapa"))
        await sari.press("13.00")
        await sari.wait_for(has("Rapat dipindah ke Kamis, 26 Maret 2026 pukul 13.00 WIB"))
        moved = await andi.wait_for(has("Jadwal rapat dipindah", "Semula Rabu, 25 Maret 2026"))
        assert moved.buttons == [["✅ Hadir", "❌ Tidak hadir"]]
        assert await MeetingRepo(db).answers(meeting.id) == {}  # answers for the old time no longer hold
        toast = await andi.press("✅ Hadir", invite)  # the old invitation's button is stale now
        assert "dibatalkan" in (toast.text or "") and await MeetingRepo(db).answers(meeting.id) == {}
        await andi.press("❌ Tidak hadir", moved)
        await sari.wait_for(has("Andi menjawab tidak hadir"))

        await sari.press("🚫 Batalkan rapat", detail)
        await sari.press("Ya, batalkan rapat", await sari.wait_for(has("Batalkan")))
        await sari.wait_for(has("Rapat dibatalkan. Semua pengurus"))
        await andi.wait_for(has("Rapat dibatalkan", "Kamis, 26 Maret 2026"))
        assert (await MeetingRepo(db).get(meeting.id)).status == "cancelled"
