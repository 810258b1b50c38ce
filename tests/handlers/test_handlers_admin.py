"""/status for the office's admins in the staff group, the alerts admins get once, and the log
lines of handled updates (ids and journey, never a manager's text)."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

from telegram import Chat

from bot.core.logs import ContextFilter, JsonFormatter, TextFormatter
from bot.ops.service import ALERT_KIND, OpsService
from storage.backup import online_backup, verify_backup
from storage.outbox import OutboxRepo
from tests.e2e.harness import ADMIN_ID, CONSULTANT_ID, MANAGER_ID, STAFF_CHAT_ID, seed_cooperative
from tests.factories import button_press, text_message

STAFF = Chat(STAFF_CHAT_ID, Chat.SUPERGROUP, title="Klinik Koperasi - Staf")


def texts_to(api, chat_id: int) -> list[str]:
    return [m.text for m in api.world.events if m.chat_id == chat_id and m.event == "new"]


def services(app):
    return app.bot_data["services"]


async def test_status_for_an_admin_in_the_staff_group(app, api):
    svc = services(app)
    await seed_cooperative(svc.db, MANAGER_ID)
    made = online_backup(svc.db.path, svc.settings.backups)
    logging.getLogger("klinik.test").error("disk almost full")
    await app.process_update(text_message(app.bot, ADMIN_ID, "/status", chat=STAFF, first_name="Rina"))
    answer = texts_to(api, STAFF_CHAT_ID)[-1]
    assert "Status Klinik Koperasi" in answer and "versi 0.1.0" in answer
    assert "Pengguna: 1 (1 aktif) · Koperasi: 1" in answer
    assert "skema versi" in answer and "Antrean kirim:" in answer and "Gagal terkirim 24 jam terakhir: 0" in answer
    assert f"Cadangan terakhir: {made.path.name}" in answer and "Berjalan sejak:" in answer
    assert "klinik.test: disk almost full" in answer  # the last errors


async def test_status_refused_to_non_admins_and_outside_the_staff_group(app, api):
    await app.process_update(text_message(app.bot, CONSULTANT_ID, "/status", chat=STAFF, first_name="Budi"))
    assert "hanya untuk admin" in texts_to(api, STAFF_CHAT_ID)[-1]
    await app.process_update(text_message(app.bot, MANAGER_ID, "/status"))
    assert "hanya untuk admin" in texts_to(api, MANAGER_ID)[-1]
    await app.process_update(text_message(app.bot, ADMIN_ID, "/status", first_name="Rina"))
    assert "grup staf" in texts_to(api, ADMIN_ID)[-1]
    assert not [t for t in texts_to(api, STAFF_CHAT_ID) + texts_to(api, MANAGER_ID) + texts_to(api, ADMIN_ID)
                if "Status Klinik Koperasi" in t]


async def test_stuck_outbox_and_failed_backup_tell_admins_once(app, api, tmp_path):
    svc = services(app)
    ops = svc.ops
    await svc.delivery.stop()  # nothing moves: the outbox is stuck
    await svc.outbox.send_text(MANAGER_ID, "halo", kind="reminder")
    await svc.db.execute("UPDATE outbox SET created_at = '2026-01-01T00:00:00.000000Z'")
    t0 = datetime.now(timezone.utc)
    assert await ops.check_outbox(t0) is False  # old, but this process only now sees it waiting
    assert await ops.check_outbox(t0 + timedelta(minutes=9)) is False
    assert await ops.check_outbox(t0 + timedelta(minutes=10)) is True
    assert await ops.check_outbox(t0 + timedelta(minutes=11)) is True  # every minute the job looks again ...
    alerts = await OutboxRepo(svc.db).rows(ALERT_KIND)
    assert [a.chat_id for a in alerts] == [ADMIN_ID]  # ... and the admin is told once
    assert "Antrean kirim macet" in alerts[0].payload["text"]

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings = svc.settings.model_copy(update={"backup_dir": blocker / "backups"})  # cannot be created
    ops = OpsService(settings, svc.db, svc.outbox, svc.texts)
    assert await ops.nightly_backup() is None
    assert await ops.nightly_backup() is None
    failed = [a for a in await OutboxRepo(svc.db).rows(ALERT_KIND) if "Cadangan malam gagal" in a.payload["text"]]
    assert len(failed) == 1 and ops.last_backup_error


async def test_nightly_backup_is_scheduled_at_two_in_the_clinic_time_zone(app):
    [job] = app.job_queue.get_jobs_by_name("ops:backup")
    assert "hour='2', minute='0'" in str(job.trigger)
    assert str(job.trigger.timezone) == "Asia/Jakarta"
    assert app.job_queue.get_jobs_by_name("ops:outbox-check")


async def test_logs_name_the_update_chat_and_journey_but_never_a_managers_text(app, api, caplog):
    svc = services(app)
    coop = await seed_cooperative(svc.db, MANAGER_ID)
    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.INFO)
    question = "Bagaimana cara RAT online, bendahara kami Pak Joko Susilo menolak"
    await app.process_update(text_message(app.bot, MANAGER_ID, question))
    await svc.tickets.open(cooperative_id=coop.id, manager_user_id=MANAGER_ID, service="kuratif",
                           category="sengketa", question="Sengketa dengan Pak Joko", source="test")
    secret = "Pak Joko Susilo membawa kabur uang simpanan 40 juta"
    update = text_message(app.bot, MANAGER_ID, secret)
    await app.process_update(update)
    offer = [e for e in api.world.events if e.chat_id == MANAGER_ID and e.event == "new"][-1]
    await app.process_update(button_press(app.bot, MANAGER_ID, "tm:pick:1", offer.message_id, offer.text))
    await svc.delivery.drain(10)

    handled = [r for r in caplog.records if r.getMessage().startswith("update handled")]
    mine = [r for r in handled if r.update_id == update.update_id]
    assert mine and all(r.chat_id == MANAGER_ID and r.journey for r in mine)
    assert {r.journey for r in mine} <= {"router", "tickets_manager", "ask", "fair_share"}  # fair_share: the brake counts
    assert any(r.journey == "router" for r in handled)
    json_lines = [JsonFormatter().format(r) for r in caplog.records]
    text_lines = [TextFormatter().format(r) for r in caplog.records]
    for line in json_lines + text_lines:
        assert "Joko" not in line and "kabur" not in line and "bendahara" not in line, line
    event = json.loads(JsonFormatter().format(mine[0]))
    assert event["update_id"] == update.update_id and event["chat_id"] == MANAGER_ID and event["event"] == "text"
    assert f"update_id={update.update_id} chat_id={MANAGER_ID} journey=" in TextFormatter().format(mine[0])
    # the message did arrive where it belongs: logs are quiet, not the bot
    assert any(secret in t for t in texts_to(api, STAFF_CHAT_ID))


async def test_a_failing_update_is_logged_by_its_ids_not_its_text(app, api, caplog):
    from telegram.ext import MessageHandler, filters

    async def boom(update, context):
        raise RuntimeError("disk on fire")
    app.add_handler(MessageHandler(filters.TEXT, boom), group=-1)
    caplog.set_level(logging.INFO)
    update = text_message(app.bot, MANAGER_ID, "utang Bu Ratna ke koperasi 12 juta")
    await app.process_update(update)
    failed = [r for r in caplog.records if r.getMessage().startswith("update failed")]
    assert failed and f"update {update.update_id} chat {MANAGER_ID}" in failed[0].getMessage()
    assert not [r for r in caplog.records if "Ratna" in r.getMessage()]
    await services(app).delivery.drain(10)  # the report goes through the outbox (issue 12, point 8):
    assert "disk on fire" in texts_to(api, STAFF_CHAT_ID)[-1]  # to the staff group (admin never started the bot)


async def test_a_moving_outbox_is_not_stuck(app, api):
    """A long broadcast: rows are old, but the head of the queue moves on."""
    svc = services(app)
    await svc.delivery.stop()
    for i in range(3):
        await svc.outbox.send_text(MANAGER_ID + i, "siaran", kind="broadcast")
    await svc.db.execute("UPDATE outbox SET created_at = '2026-01-01T00:00:00.000000Z'")
    repo, t0 = OutboxRepo(svc.db), datetime.now(timezone.utc)
    for minute, row in zip((0, 8, 16), await repo.rows("broadcast")):
        assert await svc.ops.check_outbox(t0 + timedelta(minutes=minute)) is False
        await repo.mark_sent(row.id, 1)
    assert await repo.rows(ALERT_KIND) == []


async def test_nightly_backup_writes_a_checked_copy_and_prunes(app, tmp_path):
    svc = services(app)
    folder = svc.settings.backups
    folder.mkdir(parents=True, exist_ok=True)
    for day in range(1, 20):  # older nightly backups, one a day
        (folder / f"klinik-202610{day:02d}T190000Z.sqlite3.gz").write_bytes(b"old")
    made = await svc.ops.nightly_backup()
    assert made is not None and made.path.parent == folder and svc.ops.last_backup_error is None
    assert verify_backup(made.path).schema_version >= 6
    left = sorted(p.name for p in folder.iterdir())
    assert made.path.name in left and len(left) <= 7 + 4
