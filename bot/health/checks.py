"""The health-check journey's data, with no Telegram: starting or resuming a manager's check,
recording answers step by step, going back, finishing (bot/health/alerts.py), the checks a
consultation or a preventive ticket may start from, and the cooperative's history.

The cooperative always comes from the manager's membership, and a check is only changed by the
user who started it: button data can be forged or stale.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.core.domain import SAVINGS_AND_LOANS_KINDS
from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import Texts
from bot.health import alerts
from bot.health import flow as hf
from storage.cooperatives import Cooperative, CooperativeRepo
from storage.db import Database, Executor
from storage.health import HealthCheck, HealthRepo


@dataclass(frozen=True)
class Opening:
    """What /cekkesehatan or /cektatakelola finds: no cooperative, a cooperative the check does
    not fit, an unfinished check to offer resuming, or a check to start."""
    cooperative: Cooperative | None
    check: HealthCheck | None = None
    eligible: bool = True
    resumable: bool = False


class HealthChecks:
    def __init__(self, db: Database, outbox: Outbox, texts: Texts, settings: Settings) -> None:
        self.db, self.outbox, self.texts, self.settings = db, outbox, texts, settings

    async def open(self, user_id: int, kind: str) -> Opening:
        coop = await CooperativeRepo(self.db).cooperative_of(user_id)
        if coop is None:
            return Opening(None)
        if kind == hf.FINANCIAL and coop.kind not in SAVINGS_AND_LOANS_KINDS:
            return Opening(coop, eligible=False)
        repo = HealthRepo(self.db)
        check = await repo.unfinished(user_id, kind)
        if check is not None and check.cooperative_id == coop.id and check.answers:
            return Opening(coop, check, resumable=True)
        if check is None or check.cooperative_id != coop.id:
            check = await repo.create(coop.id, user_id, kind)
        return Opening(coop, check)

    async def live(self, check_id: int | None, user_id: int) -> HealthCheck | None:
        """The user's own unfinished check with this id, or None (stale, forged or finished)."""
        check = await HealthRepo(self.db).find(check_id) if check_id is not None else None
        if check is None or check.finished or check.user_id != user_id:
            return None
        return check

    async def reopen(self, check: HealthCheck, restart: bool) -> tuple[Cooperative, HealthCheck]:
        """Resume the check, or start the same kind afresh (the old one stays unfinished)."""
        coop = await CooperativeRepo(self.db).get(check.cooperative_id)
        if restart:
            check = await HealthRepo(self.db).create(check.cooperative_id, check.user_id, check.kind)
        return coop, check

    async def record(self, check: HealthCheck, step_id: str, value: object) -> HealthCheck:
        repo = HealthRepo(self.db)
        await repo.save_answers(check.id, {**check.answers, step_id: hf.encode(value)})  # type: ignore[arg-type]
        return await repo.get(check.id)

    async def go_back(self, check: HealthCheck) -> HealthCheck:
        repo = HealthRepo(self.db)
        await repo.save_answers(check.id, hf.go_back(check.kind, check.answers))
        return await repo.get(check.id)

    async def finish(self, check: HealthCheck, chat_id: int) -> alerts.Finished:
        return await alerts.finish(self.db, self.outbox, self.texts, self.settings, check.id, chat_id)

    async def finished_for(self, check_id: int | None, user_id: int) -> HealthCheck | None:
        """A finished check of the user's own cooperative (a consultation starts from it)."""
        check = await HealthRepo(self.db).find(check_id) if check_id is not None else None
        coop = await CooperativeRepo(self.db).cooperative_of(user_id)
        if check is None or not check.finished or coop is None or check.cooperative_id != coop.id:
            return None
        return check

    async def open_ticket(self, check_id: int | None) -> alerts.OpenedTicket | None:
        """The staff alert's button: one preventive ticket per alerted, finished check (None:
        no such check). Raises alerts.TicketsUnavailable as bot/health/alerts.py does."""
        check = await HealthRepo(self.db).find(check_id) if check_id is not None else None
        if check is None or not check.finished:
            return None
        return await alerts.open_preventive_ticket(self.db, self.outbox, self.texts, self.settings, check.id)

    async def history(self, user_id: int) -> tuple[Cooperative | None, list[HealthCheck]]:
        coop = await CooperativeRepo(self.db).cooperative_of(user_id)
        return coop, (await HealthRepo(self.db).history(coop.id) if coop else [])


async def export_checks(db: Executor, user_id: int) -> tuple[str, object]:
    return "health_checks", [c.as_dict() for c in await HealthRepo(db).for_user(user_id)]


async def forget_checks(tx: Executor, user_id: int) -> None:
    """Unfinished checks go; finished ones stay with the cooperative, nameless."""
    await HealthRepo(tx).erase_user(user_id)


__all__ = ["HealthChecks", "Opening", "export_checks", "forget_checks"]
