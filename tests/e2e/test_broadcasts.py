"""Office broadcasts end to end: an admin composes in a private chat or the staff group (within
the group's flood limit), the recipients get it once despite a blocked user, 429s and 502s; a
scheduled broadcast survives a restart and a kill mid-broadcast skips and repeats nothing.
Who may broadcast, scheduling and cancelling: tests/handlers/test_handlers_broadcasts.py."""
from __future__ import annotations

import asyncio
from collections import Counter

from storage.broadcasts import BroadcastRepo
from storage.outbox import OutboxRepo
from storage.users import UserRepo
from tests.e2e.harness import seed_cooperative


def has(fragment: str):
    return lambda m: fragment.lower() in m.text.lower()


def broadcasts_to(api, user_ids) -> Counter:
    """How many broadcast messages each chat received (new messages, not edits)."""
    wanted = set(user_ids)
    return Counter(e.chat_id for e in api.events
                   if e.event == "new" and e.chat_id in wanted and "Siaran Dinas" in e.text)


async def seed_many(api, db, first_id: int, n: int, *, kecamatan: str = "Setu", per_coop: int = 3) -> list[int]:
    ids = list(range(first_id, first_id + n))
    for i in range(0, n, per_coop):
        group = ids[i:i + per_coop]
        for user_id in group:
            api.add_user(user_id, f"Pengurus {user_id}")
        await seed_cooperative(db, group[0], name=f"Kopkar {group[0]}", kecamatan=kecamatan,
                               full_name=f"Pengurus {group[0]}",
                               extra_managers={u: f"Pengurus {u}" for u in group[1:]})
    return ids


async def compose(admin, text: str, audience: str, *, group=None) -> None:
    async def wait(fragment):
        if group is None:
            return await admin.wait_for(has(fragment))
        return await group.wait_for(has(fragment))
    await admin.command("/siaran", group=group)
    await wait("Siaran baru")
    if group is None:
        await admin.send(text)
    else:
        await admin.send_in(group, text)
    await wait("untuk siapa")
    await admin.press(audience, group=group)
    await wait("pengurus aktif")  # the preview (the chosen audience also reads "Penerima: ...")


QUIET_CLOCK = "2026-01-12T09:00:00+07:00"  # reminders: nothing overdue, no alerts in the staff group


async def test_broadcast_reaches_everyone_once_despite_403_429_502(launch, people, api):
  async with launch(clock_start=QUIET_CLOCK) as bot:
    db = bot.services.db
    await seed_cooperative(db, people.sari.id, extra_managers={people.andi.id: "Andi"})
    ids = await seed_many(api, db, 5000, 9)
    blocked = api.user(5004)
    recipients = [people.sari.id, people.andi.id, *ids]
    rina = people.rina

    await compose(rina, 'Rapat koordinasi <b>RAT 2026</b>, info: <a href="https://example.org/rat">tautan</a> & SHU',
                  "Semua koperasi")
    preview = [m for m in rina.messages if "Siaran Dinas" in m.text][-1]
    assert "<b>RAT 2026</b>" in preview.html and "&amp; SHU" in preview.html
    assert "Penerima: 11 pengurus" in rina.last_message.text
    await bot.drain_outbox()  # other journeys' start-up messages are out: the faults are for ours
    blocked.record.blocked = True  # blocked the bot; the my_chat_member update has not come yet
    api.inject("sendMessage", 429, retry_after=1, times=2, chat_id=5001)
    api.inject("sendMessage", 502, times=2, chat_id=5002)
    api.inject("sendMessage", 502, times=1, chat_id=people.andi.id)
    await rina.press("Kirim sekarang")
    report = await rina.wait_for(has("Laporan siaran"), timeout=20)
    assert "Terkirim: 10" in report.text and "diblokir: 1" in report.text

    got = broadcasts_to(api, recipients)
    assert got == Counter({u: 1 for u in recipients if u != blocked.id})
    message = next(e for e in api.events if e.chat_id == people.sari.id and "Siaran Dinas" in e.text)
    assert '<a href="https://example.org/rat">tautan</a>' in message.html
    assert (await UserRepo(db).get(blocked.id)).is_active is False
    progress = [m for m in rina.messages if "terkirim," in m.text]
    assert len(progress) == 1 and "10/11 terkirim, 1 gagal — selesai" in progress[0].text
    # (other journeys, e.g. start-up reminders, may also meet the blocked user: count ours)
    rejected = Counter(r.status for r in api.rejected() if "Siaran Dinas" in str(r.params.get("text")))
    assert rejected == Counter({429: 2, 502: 3, 403: 1}), rejected

    # A second broadcast skips the manager who blocked the bot.
    await compose(rina, "Kedua", "Semua koperasi")
    assert "Penerima: 10 pengurus" in rina.last_message.text


async def test_staff_group_by_kecamatan_with_entities(launch, people, api):
  async with launch(clock_start=QUIET_CLOCK) as bot:
    db = bot.services.db
    await seed_cooperative(db, people.sari.id, kecamatan="Cikarang Barat")
    setu = await seed_many(api, db, 6000, 4, kecamatan="Setu")
    rina, staff = people.rina, people.staff
    await rina.command("/siaran", group=staff)
    await staff.wait_for(has("Siaran baru"))
    # Formatting from the Telegram app arrives as entities; a literal "<i>" stays text.
    await rina._post(staff, text="Pelatihan pengurus <i> gratis",
                     entities=[{"type": "bold", "offset": 0, "length": 9}])
    await staff.wait_for(has("untuk siapa"))
    await rina.press("Per kecamatan", group=staff)
    await staff.wait_for(has("Pilih kecamatan"))
    await rina.press("Setu", group=staff)
    # FIXME: in the full app this answer in the staff group now takes ~15 s (it took <1 s before
    # the reminder/ticket journeys landed); not yet explained, see the broadcasts report.
    await staff.wait_for(has("Penerima: 4 pengurus"), timeout=20)
    await rina.press("Kirim sekarang", group=staff)
    await staff.wait_for(has("Laporan siaran"), timeout=20)
    assert broadcasts_to(api, setu + [people.sari.id]) == Counter({u: 1 for u in setu})
    sent = next(e for e in api.events if e.chat_id == setu[0] and "Siaran Dinas" in e.text)
    assert "<b>Pelatihan</b> pengurus &lt;i&gt; gratis" in sent.html


async def test_scheduled_broadcast_survives_a_restart(launch, people, api):
    rina = people.rina
    async with launch() as bot:
        db = bot.services.db
        await seed_cooperative(db, people.sari.id)
        await compose(rina, "Pengingat <b>RAT</b>", "Semua koperasi")
        await rina.press("Jadwalkan")
        await rina.wait_for(has("Kapan siaran"))
        await rina.send("kemarin jam 9")
        await rina.wait_for(has("belum bisa saya baca"))
        await rina.send("besok jam 9")
        await rina.wait_for(has("pada"))
        await rina.press("Ya, jadwalkan")
        done = await rina.wait_for(has("dijadwalkan pada"))
        [scheduled] = await BroadcastRepo(db).with_status("scheduled")
        assert bot.app.job_queue.get_jobs_by_name(f"broadcast:{scheduled.id}")
        await rina.command("/siaran")
        await rina.wait_for(has(f"#{scheduled.id}"))
        await asyncio.sleep(0.2)
        assert broadcasts_to(api, [people.sari.id]) == Counter()
        # The bot is down when the time comes: pretend tomorrow 09:00 has passed.
        await db.execute("UPDATE broadcasts SET scheduled_at = '2000-01-01T00:00:00.000000Z' WHERE id = ?",
                         (scheduled.id,))
    async with launch() as bot:
        await rina.wait_for(has("Laporan siaran"), timeout=20)
        assert broadcasts_to(api, [people.sari.id]) == Counter({people.sari.id: 1})
        assert (await BroadcastRepo(bot.services.db).get(scheduled.id)).status == "done"
    assert "dijadwalkan" in done.text


async def test_sigkill_mid_broadcast_resumes_without_skipping_or_repeating(bot_process, people, api, database_path):
    """The real process, SIGKILLed while sending. Rows that were `sending` at the kill are sent
    again after the restart: if Telegram already had one (the kill fell between the server
    accepting it and the bot committing it as sent) that recipient gets it twice. That window
    is a few milliseconds per message (scripts/bench_broadcast.py measures it); this test
    checks that nothing else is ever repeated and nobody is skipped, and reports the window."""
    from storage.db import Database

    db = await Database.open(database_path)
    ids = await seed_many(api, db, 7000, 90)
    await db.close()
    # The reminder clock in mid-January: no overdue-RAT alerts for the 50 seeded cooperatives
    # flooding the staff group (20/min) and stalling the rate limiter for everyone.
    proc = bot_process(CLOCK_START=QUIET_CLOCK)
    await proc.start()
    rina = people.rina
    await compose(rina, "Siaran <b>penting</b> untuk semua", "Semua koperasi")
    await rina.press("Kirim sekarang")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while sum(broadcasts_to(api, ids).values()) < 40:
        assert loop.time() < deadline, proc.log()
        await asyncio.sleep(0.01)
    assert await proc.kill() != 0
    before = broadcasts_to(api, ids)
    assert 40 <= sum(before.values()) < len(ids)

    db = await Database.open(database_path)
    rows = await OutboxRepo(db).rows("broadcast")
    await db.close()
    in_flight = {r.chat_id for r in rows if r.status == "sending"}
    sent_in_db = {r.chat_id for r in rows if r.status == "sent"}
    in_window = {chat for chat in in_flight if before[chat]}  # Telegram has it, the DB does not know
    assert sent_in_db <= set(before)  # everything the DB calls sent did arrive

    await proc.start()
    await rina.wait_for(has("Laporan siaran"), timeout=30)
    after = broadcasts_to(api, ids)
    assert set(after) == set(ids), "a recipient was skipped"
    twice = {chat for chat, n in after.items() if n > 1}
    assert twice == in_window, (twice, in_window)  # only the rows caught inside the window
    assert all(n <= 2 for n in after.values())
    print(f"\nSIGKILL after {sum(before.values())} of {len(ids)}: {len(in_flight)} row(s) in flight, "
          f"{len(in_window)} already at Telegram -> sent twice")
    assert await proc.stop() == 0
