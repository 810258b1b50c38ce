"""The typed container through which handlers reach the clinic's services (style.md #3).

One field per long-lived object, all built by `bot.app.build_services` in post_init and closed
in post_shutdown; handlers call `get_services(context)`. The capability types are imported for
annotations only, so the platform does not import the capabilities at run time.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import Texts
from storage.db import Database

if TYPE_CHECKING:
    from bot.broadcasts.service import BroadcastService
    from bot.calendar.meetings import MeetingService
    from bot.calendar.reminders import Clock, ReminderService
    from bot.core.conversations import Conversations
    from bot.core.delivery import DeliveryWorker
    from bot.core.journeys import Journeys
    from bot.health.checks import HealthChecks
    from bot.onboarding.accounts import Accounts
    from bot.ops.service import OpsService
    from bot.privacy.service import Privacy
    from bot.supervision.service import SupervisionService
    from bot.triage.desk import Desk
    from bot.tickets.service import TicketService
    from bot.triage.service import Knowledge

SERVICES_KEY = "services"


@dataclass
class TTLCache:
    """Brief memory of answers from Telegram (e.g. group membership); never domain state."""
    ttl: float = 300.0
    _items: dict = field(default_factory=dict)

    def get(self, key: Any) -> Any | None:
        hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: Any, value: Any) -> None:
        self._items[key] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        self._items.clear()


@dataclass
class Services:
    settings: Settings
    db: Database
    texts: Texts
    outbox: Outbox
    delivery: DeliveryWorker
    journeys: Journeys  # the journeys this application runs and the hooks they declare
    clock: Clock  # one clock for reminders and meetings (settable in tests and demos)
    conversations: Conversations  # restart-safe flows: who owns a user's next message
    accounts: Accounts  # users, consent, language; cooperatives and their managers
    privacy: Privacy  # /datasaya and /hapusdata across every journey
    knowledge: Knowledge  # the FAQ base and its matcher, loaded once
    desk: Desk  # questions triaged against the FAQ, and their feedback
    reminders: ReminderService
    meetings: MeetingService
    broadcasts: BroadcastService
    health: HealthChecks
    ops: OpsService  # backups, status, alerts to the admins
    tickets: TicketService  # consultation tickets; holds whether the staff group is a forum
    supervision: SupervisionService  # issue 14: the office's card, risk list, visits, report
    staff_cache: TTLCache = field(default_factory=TTLCache)


def get_services(context: Any) -> Services:
    return context.application.bot_data[SERVICES_KEY]
