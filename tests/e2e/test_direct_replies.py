"""A direct reply that fails never claims the work failed (issue 10, points 2 and 3): a dropped
connection, a 5xx or a 429 on the reply is retried within the update's budget or handed to the
outbox, and "Maaf, terjadi gangguan ... coba lagi" is kept for work that did not happen."""
from __future__ import annotations

import asyncio

from storage.outbox import OutboxRepo
from tests.e2e.harness import seed_cooperative

ERROR = "terjadi gangguan"


def has(fragment: str):
    return lambda m: fragment.lower() in (m.text or "").lower()


def count(messages, fragment: str) -> int:
    return sum(1 for m in messages if fragment.lower() in (m.text or "").lower())


async def with_open_ticket(bot, people):
    sari, staff = people.sari, people.staff
    svc = bot.services
    coop = await seed_cooperative(svc.db, sari.id)
    ticket = await svc.tickets.open(cooperative_id=coop.id, manager_user_id=sari.id, service="preventif",
                                    category="perencanaan", question="Kapan RAT?", source="test")
    await svc.tickets.remember(sari.id, "ticket", ticket.id)  # she chose "add to the ticket" (issue 11 routing)
    await staff.wait_for(has("Tiket #0001"), timeout=10)


async def relay_with_a_faulty_ack(bot, api, people, fault) -> tuple[int, int, int]:
    """The manager adds a message to her ticket while `fault` hits the acknowledgement; if she is
    told to try again she does, as a manager would. Returns (relays, acks, error messages)."""
    sari, staff = people.sari, people.staff
    await with_open_ticket(bot, people)
    fault()
    text = "Info tambahan: RAT dijadwalkan Maret"
    await sari.send(text)
    await sari.wait_for(lambda m: has("Diteruskan")(m) or has(ERROR)(m), timeout=15)
    await asyncio.sleep(1.0)
    if count(sari.messages, ERROR):
        await sari.send(text)  # "silakan coba lagi": she resends
    await bot.drain_outbox(15)
    await asyncio.sleep(1.0)
    return count(staff.messages(), text), count(sari.messages, "Diteruskan"), count(sari.messages, ERROR)


async def test_dropped_connection_on_the_acknowledgement(launch, api, people):
    async with launch() as bot:
        relays, acks, errors = await relay_with_a_faulty_ack(
            bot, api, people, lambda: api.drop_responses("sendMessage", chat_id=people.sari.id))
    print(f"\nFAULT dropped connection on 'Diteruskan ✓': sent=1 lost={int(relays == 0)} "
          f"duplicated={max(0, relays - 1)} (acks seen {acks}, error messages {errors})")
    assert (relays, errors) == (1, 0)
    assert acks >= 1  # twice is possible: Telegram had the first, the bot could not know


async def test_acknowledgement_that_keeps_failing_goes_through_the_outbox(launch, api, people):
    async with launch() as bot:
        relays, acks, errors = await relay_with_a_faulty_ack(
            bot, api, people, lambda: api.inject("sendMessage", 502, times=3, chat_id=people.sari.id))
        rows = await OutboxRepo(bot.services.db).rows("reply")
    print(f"\nFAULT 502 on every try of 'Diteruskan ✓': sent=1 lost={int(relays == 0)} "
          f"duplicated={max(0, relays - 1)} (acks seen {acks}, error messages {errors})")
    assert (relays, acks, errors) == (1, 1, 0)
    assert [r.status for r in rows] == ["sent"]


async def describe_a_case(sari) -> None:
    await sari.command("/konsultasi")
    await sari.wait_for(has("Pilih jenis layanan"))
    await sari.press("Kuratif")
    await sari.wait_for(has("Pilih kategorinya"))
    await sari.press("Pinjaman macet")
    await sari.wait_for(has("Ceritakan kasusnya"))


async def test_429_on_a_direct_reply_waits_and_the_step_succeeds(launch, api, people):
    """Telegram answers 429 twice (more than the rate limiter's own single retry)."""
    sari = people.sari
    async with launch() as bot:
        await seed_cooperative(bot.services.db, sari.id)
        await describe_a_case(sari)
        api.inject("sendMessage", 429, retry_after=1, times=2, chat_id=sari.id)
        await sari.send("Pinjaman anggota macet Rp200 juta")
        await sari.wait_for(lambda m: has("Tercatat (1 pesan)")(m) or has(ERROR)(m), timeout=15)
        await asyncio.sleep(0.5)
    recorded, errors = count(sari.messages, "Tercatat (1 pesan)"), count(sari.messages, ERROR)
    print(f"\nFAULT 429 x2 on the reply 'Tercatat': sent=1 lost={int(recorded == 0)} "
          f"duplicated={max(0, recorded - 1)} (error messages {errors})")
    assert (recorded, errors) == (1, 0)


async def test_the_emulators_private_chat_limit_meets_a_reply_right_after_reminders(launch, api, people):
    """No injected fault: six messages (reminders, say) have just gone to the manager, so
    Telegram's per-chat limit answers the reply with 429; our own limiter is off here."""
    sari = people.sari
    async with launch(rate_limit=False) as bot:
        await seed_cooperative(bot.services.db, sari.id)
        await describe_a_case(sari)
        await asyncio.sleep(3.1)  # the flow's own messages have left the window
        for i in range(6):
            await bot.app.bot.send_message(sari.id, f"Pengingat {i + 1}")
        await sari.send("Pinjaman anggota macet Rp200 juta")
        await sari.wait_for(lambda m: has("Tercatat (1 pesan)")(m) or has(ERROR)(m), timeout=15)
        await asyncio.sleep(0.5)
    assert any(r.status == 429 and r.params.get("chat_id") in (sari.id, str(sari.id)) for r in api.requests)
    assert (count(sari.messages, "Tercatat (1 pesan)"), count(sari.messages, ERROR)) == (1, 0)
