"""The typed container through which handlers reach the clinic's services (style.md #3).

Created in post_init, closed in post_shutdown; handlers call `get_services(context)`.
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
    from bot.core.delivery import DeliveryWorker
    from bot.supervision.service import SupervisionService

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
    delivery: "DeliveryWorker"
    staff_cache: TTLCache = field(default_factory=TTLCache)
    # Filled by the journeys that own them (see their handlers' `setup`):
    matcher: Any = None
    # Supervision for the office (handlers/supervision.py: setup)
    supervision: "SupervisionService | None" = None
    extras: dict[str, Any] = field(default_factory=dict)


def get_services(context: Any) -> Services:
    return context.application.bot_data[SERVICES_KEY]
