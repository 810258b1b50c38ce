"""Finishing a health check and what follows it, with no Telegram: the result stored, the
conversation closed and, for a result of Dalam Pengawasan or worse or a governance red flag,
the staff-group alert queued in the outbox, all in one transaction; and the preventive
ticket a consultant opens from that alert (bot/tickets/service.py)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.health import flow as hf
from bot.core.buttons import Button, callback
from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import Texts
from bot.tickets.rules import number
from bot.tickets.service import TicketService
from storage.consultants import ConsultantRepo
from storage.cooperatives import Cooperative, CooperativeRepo
from storage.db import Database, Executor
from storage.flows import FlowRepo
from storage.health import HealthCheck, HealthRepo
from storage.users import UserRepo

ALERT_KIND = "alert"
TICKET_CATEGORY = {hf.FINANCIAL: "keuangan", hf.GOVERNANCE: "tata_kelola"}


@dataclass(frozen=True)
class Finished:
    check: HealthCheck
    cooperative: Cooperative
    result: object  # bot.health.scoring.HealthResult | bot.health.governance.GovernanceResult
    view: dict  # health_flow.financial_view / governance_view (language-free: templates word it)
    needs_alert: bool
    newly: bool  # False when the check had already been finished (a retried update)


def result_of(check: HealthCheck):
    return hf.score_financial(check.answers) if check.kind == hf.FINANCIAL else hf.score_gov(check.answers)


def view_of(check: HealthCheck, result) -> dict:
    return hf.financial_view(result) if check.kind == hf.FINANCIAL else hf.governance_view(result)


async def alert_html(db: Executor, texts: Texts, settings: Settings, check: HealthCheck, coop: Cooperative,
                     result) -> str:
    lang = settings.default_language  # staff-side text
    covering = await ConsultantRepo(db).covering(coop.kecamatan)
    user = await UserRepo(db).find(check.user_id) if check.user_id else None
    return texts.render(lang, "health.alert", coop=coop, kind=check.kind, view=view_of(check, result),
                        manager_id=check.user_id, manager_name=user.full_name if user else None,
                        covering=covering)


async def finish(db: Database, outbox: Outbox, texts: Texts, settings: Settings, check_id: int,
                 chat_id: int) -> Finished:
    """Score and store the check, end the user's flow, and queue the staff alert when needed."""
    async with db.transaction() as tx:
        repo = HealthRepo(tx)
        check = await repo.get(check_id)
        coop = await CooperativeRepo(tx).get(check.cooperative_id)
        result = result_of(check)
        coverage = result.coverage if check.kind == hf.FINANCIAL else 100
        newly = await repo.finish(check.id, check.answers, str(result.total), result.band.value, str(coverage))
        if check.user_id is not None:
            await FlowRepo(tx).clear(chat_id, check.user_id)
        check = await repo.get(check.id)
        if newly and result.needs_alert and settings.staff_chat_id is not None:
            html = await alert_html(tx, texts, settings, check, coop, result)
            button = Button(texts.plain(settings.default_language, "health.btn_open_ticket"),
                            callback("hc", "tk", check.id))
            await outbox.bind(tx).send_text(settings.staff_chat_id, html, kind=ALERT_KIND, keyboard=[[button]],
                                            dedupe_key=f"health-alert:{check.id}", ref=("health", check.id))
    return Finished(check, coop, result, view_of(check, result), result.needs_alert, newly)


class TicketsUnavailable(Exception):
    """Kept for callers that still catch it; tickets are always part of the build now."""


@dataclass(frozen=True)
class OpenedTicket:
    number: str
    existed: bool


async def open_preventive_ticket(db: Database, outbox: Outbox, texts: Texts, settings: Settings,
                                 check_id: int, tickets: TicketService | None = None) -> OpenedTicket:
    """The alert's button: one preventive ticket per alerted check."""
    tickets = tickets or TicketService(db, outbox, texts, settings)
    repo = HealthRepo(db)
    check = await repo.get(check_id)
    if check.ticket_id is not None:
        return OpenedTicket(number(check.ticket_id), True)
    coop = await CooperativeRepo(db).get(check.cooperative_id)
    lang = settings.default_language
    view = view_of(check, result_of(check))
    question = texts.plain(lang, "health.ticket_question", coop=coop, kind=check.kind, view=view)
    ticket = await tickets.open(cooperative_id=coop.id, manager_user_id=check.user_id, service="preventif",
                                category=TICKET_CATEGORY[check.kind], question=question, source="health",
                                tell_manager=True)
    await repo.set_ticket(check.id, ticket.id)
    return OpenedTicket(number(ticket.id), False)
