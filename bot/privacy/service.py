"""UU PDP 27/2022 rights with no Telegram: everything stored about a user (/datasaya) and
erasing their personal data (/hapusdata), across every journey that stores something.

Each journey declares its own part (`PRIVACY_EXPORT`, `PRIVACY_ERASE`, collected by
bot/core/journeys.py); this module runs them, the erasure in one transaction so that a failure
halfway leaves the user as they were, never half erased.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable

from storage.cooperatives import CooperativeRepo
from storage.db import Database, Executor
from storage.flows import FlowRepo
from storage.users import UserRepo

ExportSection = Callable[[Database, int], Awaitable[tuple[str, object]]]
EraseStep = Callable[[Executor, int], Awaitable[None]]


async def account_export(db: Executor, user_id: int) -> tuple[str, object]:
    """The core's own section: the person, their consents, membership and open conversation."""
    user = await UserRepo(db).find(user_id)
    coops = CooperativeRepo(db)
    membership = await coops.membership(user_id)
    return "account", {
        "user": user.__dict__ if user else None,
        "consents": await UserRepo(db).consents(user_id),
        "membership": membership.__dict__ if membership else None,
        "cooperative": (await coops.get(membership.cooperative_id)).as_dict() if membership else None,
        "open_conversation": [f.__dict__ for f in await FlowRepo(db).for_user(user_id)],
    }


async def account_erase(tx: Executor, user_id: int) -> None:
    """Personal data and consent go; the cooperative's records stay, without the name."""
    await UserRepo(tx).erase_personal_data(user_id)
    await CooperativeRepo(tx).leave(user_id)
    flows = FlowRepo(tx)
    for state in await flows.for_user(user_id):
        await flows.clear(state.chat_id, user_id)


class Privacy:
    def __init__(self, db: Database, sections: Iterable[ExportSection], steps: Iterable[EraseStep]) -> None:
        self.db = db
        self.sections = (account_export, *sections)
        self.steps = (*steps, account_erase)

    async def export(self, user_id: int) -> dict[str, object]:
        export: dict[str, object] = {}
        for section in self.sections:
            name, value = await section(self.db, user_id)
            export[name] = value
        return export

    async def export_json(self, user_id: int) -> bytes:
        return json.dumps(await self.export(user_id), ensure_ascii=False, indent=2, default=str).encode()

    async def erase(self, user_id: int) -> None:
        """Every journey's erase step and the core's, all or nothing."""
        async with self.db.transaction() as tx:
            for step in self.steps:
                await step(tx, user_id)


__all__ = ["Privacy", "account_erase", "account_export"]
