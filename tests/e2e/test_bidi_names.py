"""Issue 10.4 end to end: a cooperative and a manager whose stored names carry bidi controls
(rows from before the rule, or typed by a user) reach the staff group's card and forum topic
name without them, so nothing displays reversed."""
from __future__ import annotations

from bot.core.sanitize import BIDI_CONTROLS
from tests.e2e.harness import seed_cooperative

RLO, PDF, RLI, PDI = "\u202e", "\u202c", "\u2067", "\u2069"


async def test_bidi_controls_never_reach_the_staff_group(launch, api, people_forum):
    sari, staff = people_forum.sari, people_forum.staff
    async with launch() as bot:
        svc = bot.services
        coop = await seed_cooperative(svc.db, sari.id, name=f"Kopkar {RLO}amaleS{PDF} Jaya",
                                      full_name=f"Sari {RLI}Wulandari{PDI}")
        await svc.tickets.open(cooperative_id=coop.id, manager_user_id=sari.id, service="kuratif", category="pinjaman_macet",
                                  question=f"Pinjaman {RLO}hcaM", source="test")
        await staff.wait_for(lambda m: "Tiket #0001" in m.text, timeout=15)
        await bot.drain_outbox(10)
    shown = [m.text or "" for m in staff.messages()] + [t.name for t in staff.topics]
    with_controls = [s for s in shown if set(s) & BIDI_CONTROLS]
    print(f"\nFAULT bidi controls in names: staff messages and topic names={len(shown)} "
          f"showing controls={len(with_controls)}")
    assert shown and not with_controls, with_controls
    assert any("Kopkar amaleS Jaya" in s for s in shown)
