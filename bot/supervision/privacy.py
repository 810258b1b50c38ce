"""What supervision stores about a person, for /datasaya and /hapusdata: the visits a
pendamping logged. Erasing keeps the visit (the office's record) and forgets who made it."""
from __future__ import annotations

from storage.db import Executor
from storage.supervision import SupervisionRepo


async def export_visits(db: Executor, user_id: int) -> tuple[str, object]:
    return "visits", await SupervisionRepo(db).export_for(user_id)


async def forget_pendamping(tx: Executor, user_id: int) -> None:
    await SupervisionRepo(tx).forget(user_id)
