"""The whole bot against the local fake Bot API: in-process (`BotHarness`, fast) or as a real
`python -m bot run` subprocess (`BotProcess`, for restarts and kills). Real PTB networking over
HTTP, real SQLite file."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import AsyncIterator

from telegram.ext import Application

from bot.app import running_application
from bot.onboarding.service import new_join_code
from bot.emulator import FakeBotApi, FakeGroup, FakeUser
from bot.core.services import SERVICES_KEY, Services
from bot.core.settings import Settings
from storage.cooperatives import CooperativeRepo
from storage.reminders import ReminderRepo
from storage.users import UserRepo

TOKEN = "123456:TEST"
STAFF_CHAT_ID = -1001234567890
MANAGER_ID, SECOND_MANAGER_ID, CONSULTANT_ID, ADMIN_ID, OUTSIDER_ID = 1001, 1002, 2001, 2002, 3001
# The reminders' clock for journeys that are not about dates: a day on which a cooperative in
# good standing (see seed_cooperative) owes nothing soon, so no reminder joins the conversation
# whatever the calendar says when the tests run. Date-driven tests set their own clock.
QUIET_CLOCK = "2026-11-10T10:00:00+07:00"


@dataclass
class People:
    sari: FakeUser       # manager (ketua)
    andi: FakeUser       # second manager of the same cooperative
    budi: FakeUser       # consultant (staff group member)
    rina: FakeUser       # consultant and office admin (ADMIN_IDS)
    eko: FakeUser        # outsider: not staff, not registered
    staff: FakeGroup


def add_people(api: FakeBotApi, forum: bool = False) -> People:
    sari = api.add_user(MANAGER_ID, "Sari", "sari_kopkar")
    andi = api.add_user(SECOND_MANAGER_ID, "Andi", "andi_bendahara")
    budi = api.add_user(CONSULTANT_ID, "Budi", "budi_pendamping")
    rina = api.add_user(ADMIN_ID, "Rina", "rina_dinas")
    eko = api.add_user(OUTSIDER_ID, "Eko", "eko")
    staff = api.add_group(STAFF_CHAT_ID, "Klinik Koperasi - Staf", forum=forum, members=[budi], admins=[rina])
    return People(sari, andi, budi, rina, eko, staff)


def settings_for(api: FakeBotApi, database_path: Path, **overrides: object) -> Settings:
    values: dict = dict(_env_file=None, bot_token=api.token, staff_chat_id=STAFF_CHAT_ID,
                        admin_ids=[ADMIN_ID], database_path=database_path, telegram_api_url=api.url,
                        clock_start=QUIET_CLOCK)
    values.update(overrides)
    return Settings(**values)


@dataclass
class BotHarness:
    app: Application
    api: FakeBotApi
    settings: Settings

    @property
    def services(self) -> Services:
        return self.app.bot_data[SERVICES_KEY]

    async def drain_outbox(self, timeout: float = 30.0) -> None:
        await self.services.delivery.drain(timeout)


@asynccontextmanager
async def bot_in_process(api: FakeBotApi, database_path: Path, **overrides: object) -> AsyncIterator[BotHarness]:
    settings = settings_for(api, database_path, **overrides)
    api.limiter.forget_private_chats()  # a restart here takes no time; a real one outlasts the buckets
    async with running_application(settings) as app:
        yield BotHarness(app, api, settings)


@dataclass
class BotProcess:
    """`python -m bot run` as a child process, configured only through its environment."""
    api: FakeBotApi
    database_path: Path
    env_overrides: dict = field(default_factory=dict)
    proc: asyncio.subprocess.Process | None = None
    log_path: Path | None = None

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "STAFF_", "ADMIN_"))}
        env.update(BOT_TOKEN=self.api.token, STAFF_CHAT_ID=str(STAFF_CHAT_ID), ADMIN_IDS=str(ADMIN_ID),
                   DATABASE_PATH=str(self.database_path), TELEGRAM_API_URL=self.api.url, LOG_LEVEL="INFO",
                   CLOCK_START=QUIET_CLOCK)
        env.update({k: str(v) for k, v in self.env_overrides.items()})
        return env

    def _listening(self) -> int:
        """Long polls begun (a poll returns much later) plus setWebhook calls (webhook mode)."""
        return self.api.polls_started + len(self.api.calls("setWebhook"))

    async def start(self, ready_timeout: float = 30.0) -> None:
        polls_before = self._listening()
        self.log_path = self.database_path.with_suffix(f".{len(self.api.calls('getMe'))}.log")
        log = open(self.log_path, "wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=self.env(), cwd=str(self.database_path.parent),
            stdout=log, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL)
        log.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ready_timeout
        while self._listening() <= polls_before:
            if self.proc.returncode is not None or loop.time() > deadline:
                raise RuntimeError(f"bot process did not start polling:\n{self.log()}")
            await asyncio.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    async def stop(self, timeout: float = 20.0) -> int:
        """Graceful stop (SIGTERM), as an operator or systemd would do."""
        return await self._end(signal.SIGTERM, timeout)

    async def kill(self) -> int:
        """A crash: SIGKILL, no clean-up at all."""
        return await self._end(signal.SIGKILL, 10.0)

    async def _end(self, sig: int, timeout: float) -> int:
        if self.proc is None or self.proc.returncode is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            self.proc.kill()
            return await self.proc.wait()


async def seed_cooperative(db, owner_id: int, *, name: str = "Kopkar Sejahtera Mandiri", kind: str = "karyawan",
                           kecamatan: str = "Cikarang Barat", members: int = 350, fy_end_month: int = 12,
                           role: str = "ketua", full_name: str = "Sari", extra_managers: dict[int, str] | None = None,
                           good_standing: bool = True, registered_at: str | None = None):
    """A registered cooperative without clicking through onboarding (which has its own tests):
    the same repositories the onboarding journey uses. In good standing (the default), its RAT
    for the 2025 financial year was held and reported and the September review done, so the
    reminders journey has nothing to say on QUIET_CLOCK's day. `registered_at` (ISO UTC): a
    cooperative the clinic has followed for a while (default: registered now, a newcomer)."""
    users, coops = UserRepo(db), CooperativeRepo(db)
    await users.set_language(owner_id, "id")
    await users.grant_consent(owner_id, "test", full_name, None)
    coop = await coops.create(dict(name=name, nik=None, kind=kind, company="PT Maju Jaya" if kind == "karyawan" else None,
                                   estate="MM2100", kecamatan=kecamatan, members=members,
                                   fy_end_month=fy_end_month), new_join_code(), created_at=registered_at)
    await coops.add_manager(coop.id, owner_id, role)
    for user_id, manager_name in (extra_managers or {}).items():
        await users.set_language(user_id, "id")
        await users.grant_consent(user_id, "test", manager_name, None)
        await coops.add_manager(coop.id, user_id, "bendahara")
    if good_standing:
        reminders = ReminderRepo(db)
        year = 2025 if fy_end_month == 12 else 2026
        await reminders.mark_done(coop.id, "rat", str(year), date(2026, 3, 20), owner_id)
        await reminders.mark_done(coop.id, "rat_report", str(year), date(2026, 4, 10), owner_id)
        await reminders.mark_done(coop.id, "pengawas_review", "2026-09", date(2026, 10, 5), owner_id)
        await reminders.mark_done(coop.id, "tax_return", str(year), date(2026, 4, 20), owner_id)
    return coop
