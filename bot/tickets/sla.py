"""Service levels of unclaimed tickets, Telegram-free: raised again in the staff group after the
SLA (in office hours), and to the admins after twice that; each level once. A part of
TicketService (it shares the service's database, outbox, texts and settings)."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.tickets import rules
from bot.tickets.rules import number
from storage.db import from_utc_text
from storage.tickets import TicketRepo

SLA = "ticket_sla"  # the outbox kind (also named in service.py with the other ticket kinds)


class TicketServiceLevels:
    async def check_sla(self, now: datetime | None = None) -> list[tuple[int, int]]:
        """Raise unclaimed tickets again in the group after the SLA, tell the admins after twice
        that. Returns the (ticket id, level) raised now; each level is raised once."""
        now = now or datetime.now(timezone.utc)
        hours, oh, lang = self.settings.ticket_sla_office_hours, self.office(), self.staff_lang
        raised = []
        for ticket in await TicketRepo(self.db).unclaimed_below_level(2):
            level = rules.sla_level(from_utc_text(ticket.created_at), now, hours, oh)
            if level <= ticket.sla_level:
                continue
            async with self.db.transaction() as tx:
                if not await TicketRepo(tx).set_status_if(ticket.id, "new", sla_level=level):
                    continue
                box, ref = self.outbox.bind(tx), ("ticket", ticket.id)
                age = round(oh.office_hours_between(from_utc_text(ticket.created_at), now), 1)
                if self.staff_chat_id is not None:
                    await box.send_text(self.staff_chat_id,
                                        self.texts.render(lang, "tickets.sla_raise", number=number(ticket.id),
                                                          level=level, hours=age),
                                        kind=SLA, dedupe_key=f"sla:{ticket.id}:{level}", ref=ref)
                if level >= 2:
                    for admin in self.settings.admin_ids:
                        await box.send_text(admin, self.texts.render(lang, "tickets.sla_admin", number=number(ticket.id),
                                                                     hours=age),
                                            kind=SLA, dedupe_key=f"sla:{ticket.id}:{level}:{admin}", ref=ref)
            raised.append((ticket.id, level))
        return raised
