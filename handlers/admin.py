"""Operations in the staff group: /status for the office's admins, and the jobs that keep the
bot healthy (the nightly backup at 02:00 clinic time, the outbox check every minute).
The work itself is in bot/ops (Telegram-free)."""
from __future__ import annotations

import logging
from datetime import time

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.core import jobs
from bot.core.services import SERVICES_KEY, get_services
from bot.ops.service import OpsService
from bot.ops.status import BACKUP_STALE_AFTER, Status
from handlers.common import Context, is_admin, is_staff_chat, lang, reply, say, t

log = logging.getLogger(__name__)
BACKUP_AT = time(2, 0)          # nightly, in the clinic's time zone (02:00 WIB)
OUTBOX_CHECK_SECONDS = 60.0


def ops(context: Context) -> OpsService:
    return get_services(context).ops


def status_values(status: Status, service: OpsService) -> dict:
    f = status.figures
    values: dict = dict(
        version=status.version, uptime=int((status.now - service.started_at).total_seconds()),
        database_error=status.database_error, backup_dir=str(status.backup_dir),
        backup=None, backup_error=service.last_backup_error,
        errors=[dict(at=e.at, logger=e.logger,
                     message=e.message) for e in reversed(service.errors.items)],
    )
    if f is not None:
        values.update(schema_version=f.schema_version, size=f.size_bytes, users=f.users,
                      active_users=f.active_users, cooperatives=f.cooperatives, pending=f.outbox_pending,
                      oldest_id=f.oldest_pending_id, oldest_kind=f.oldest_pending_kind,
                      oldest_wait=int(status.outbox_wait.total_seconds()) if status.outbox_wait else None,
                      stuck=status.outbox_stuck, failed=f.failed_24h, blocked=f.blocked_24h,
                      refusals=f.refusals_24h)
    if status.last_backup is not None:
        values.update(backup=status.last_backup.path.name, backup_size=status.last_backup.size,
                      backup_age=int(status.backup_age.total_seconds()),
                      backup_stale=status.backup_age > BACKUP_STALE_AFTER)
    return values


async def status(update: Update, context: Context) -> None:
    """Status bot (admin)"""
    user = update.effective_user
    if user is None or not is_admin(context, user.id):
        await say(update, context, "admin.only_admins")
        return
    if not is_staff_chat(update, context):
        await say(update, context, "admin.only_in_group")
        return
    service = ops(context)
    values = status_values(await service.status(), service)
    await reply(update, context, t(context, await lang(update, context), "admin.status", s=values))


async def _nightly_backup(context: Context) -> None:
    await ops(context).nightly_backup()


async def _check_outbox(context: Context) -> None:
    await ops(context).check_outbox()


async def setup(app: Application) -> None:
    svc = app.bot_data[SERVICES_KEY]
    service = svc.ops
    logging.getLogger().addHandler(service.errors)
    jobs.daily(app, "ops:backup", _nightly_backup, at=BACKUP_AT.replace(tzinfo=svc.settings.tz))
    jobs.every(app, "ops:outbox-check", _check_outbox, interval=OUTBOX_CHECK_SECONDS, first=OUTBOX_CHECK_SECONDS)


async def teardown(app: Application) -> None:
    logging.getLogger().removeHandler(app.bot_data[SERVICES_KEY].ops.errors)


HANDLERS = [CommandHandler("status", status)]
STAFF_COMMANDS = ["status"]
