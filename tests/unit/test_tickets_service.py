"""Tickets service on a fresh database per test: numbering under concurrency, outbox rows with
dedupe keys, relays stored before they are queued, lifecycle follow-ups, SLA raises, privacy."""
import asyncio
import json
from dataclasses import asdict
from datetime import timedelta

import pytest

from bot.tickets import service as svc
from bot.core.outbox import Outbox
from bot.core.settings import Settings
from bot.core.texts import Texts
from bot.tickets.rules import Actor, NotAllowed
from storage.consultants import ConsultantRepo
from storage.cooperatives import CooperativeRepo
from storage.db import Database, from_utc_text
from storage.outbox import OutboxRepo
from storage.tickets import TicketRepo
from storage.users import UserRepo

pytestmark = pytest.mark.unit
STAFF = -1001
MANAGER_ID, CONSULTANT_ID = 501, 901


@pytest.fixture
async def env(tmp_path):
    db = await Database.open(tmp_path / "t.sqlite3")
    settings = Settings(_env_file=None, staff_chat_id=STAFF, admin_ids="77", database_path=tmp_path / "x")
    coops = CooperativeRepo(db)
    coop = await coops.create(dict(name="Kopkar Sejahtera", kind="karyawan", kecamatan="Setu", members=120,
                                   fy_end_month=12, estate="MM2100"), "JOIN1")
    other = await coops.create(dict(name="Kop Lain", kind="jasa", kecamatan="Babelan", members=9,
                                    fy_end_month=12), "JOIN2")
    users = UserRepo(db)
    for uid in (MANAGER_ID, 502):
        await users.grant_consent(uid, "v1", f"User {uid}", None)
    await coops.add_manager(coop.id, MANAGER_ID, "ketua")
    await coops.add_manager(other.id, 502, "ketua")
    await ConsultantRepo(db).upsert(CONSULTANT_ID, "Bu Rina", None)
    await ConsultantRepo(db).set_areas(CONSULTANT_ID, ["Setu"])
    yield dict(db=db, outbox=Outbox(db), texts=Texts(), settings=settings, coop=coop, other=other)
    await db.close()


def desk(env) -> svc.TicketService:
    return svc.TicketService(env["db"], env["outbox"], env["texts"], env["settings"])


async def open_one(env, **kw):
    values = dict(cooperative_id=env["coop"].id, manager_user_id=MANAGER_ID, service="kuratif",
                  category="pinjaman_macet", question="Banyak pinjaman macet <b>", source="konsultasi")
    values.update(kw)
    return await desk(env).open(**values)


async def rows(env, kind=None):
    """Rows with the payload as stored (JSON text), for substring checks."""
    return [asdict(r) | {"payload": json.dumps(r.payload, ensure_ascii=False)}
            for r in await OutboxRepo(env["db"]).rows(kind)]


async def test_open_ticket_writes_ticket_and_card_with_profile_mentions_and_suggestions(env):
    photo = svc.Incoming(MANAGER_ID, 40, MANAGER_ID, "photo", text="bukti", html="bukti")
    text = svc.Incoming(MANAGER_ID, 41, MANAGER_ID, "text", text="detail", html="detail")
    ticket = await open_one(env, suggestions=[("pinjaman-macet", "Pinjaman macet")], messages=[photo, text])
    assert ticket.status == "new" and ticket.id == 1
    cards = await rows(env, "ticket_card")
    assert len(cards) == 1 and cards[0]["chat_id"] == STAFF and cards[0]["dedupe_key"] == "card:1"
    card = cards[0]["payload"]
    for needle in ("#0001", "Kuratif", "Pinjaman macet", "Kopkar Sejahtera", "Setu", "120 anggota",
                   "Banyak pinjaman macet &lt;b&gt;", "pinjaman-macet", "tg://user?id=901", "tk:claim:1", "tk:resolve:1"):
        assert needle in card, needle
    relays = await rows(env, "ticket_in")  # only the photo is copied; the text is in the card
    assert [(r["method"], r["dedupe_key"]) for r in relays] == [("copy_message", f"relay:{MANAGER_ID}:40")]
    stored = await TicketRepo(env["db"]).messages(1)
    assert [m.direction for m in stored] == ["event", "in", "in"]


async def test_numbers_are_unique_under_concurrency(env):
    tickets = await asyncio.gather(*(open_one(env) for _ in range(25)))
    assert sorted(t.id for t in tickets) == list(range(1, 26))
    assert len(await rows(env, "ticket_card")) == 25


async def test_bad_category_writes_nothing(env):
    with pytest.raises(ValueError):
        await open_one(env, service="preventif", category="pinjaman_macet")
    assert await rows(env) == []


async def test_relay_in_is_stored_once_and_queued_once(env):
    ticket = await open_one(env)
    msg = svc.Incoming(MANAGER_ID, 77, MANAGER_ID, "text", text="tambahan", html="tambahan")
    me = Actor(MANAGER_ID, cooperative_id=env["coop"].id)
    assert await desk(env).relay_from_manager(ticket.id, msg, me) is True
    assert await desk(env).relay_from_manager(ticket.id, msg, me) is False  # a retried update
    relays = await rows(env, "ticket_in")
    assert len(relays) == 1 and "tambahan" in relays[0]["payload"] and "#0001" in relays[0]["payload"]
    stranger = Actor(502, cooperative_id=env["other"].id)
    with pytest.raises(NotAllowed):
        await desk(env).relay_from_manager(ticket.id, svc.Incoming(502, 5, 502, "text", "x", "x"), stranger)
    assert len(await rows(env, "ticket_in")) == 1


async def test_answer_claims_signs_and_marks_first_answer(env):
    ticket = await open_one(env)
    consultant = Actor(CONSULTANT_ID, is_consultant=True)
    msg = svc.Incoming(STAFF, 300, CONSULTANT_ID, "text", "Jawaban", "<b>Jawaban</b>")
    assert await desk(env).relay_from_consultant(ticket.id, msg, consultant, "Bu Rina")
    assert not await desk(env).relay_from_consultant(ticket.id, msg, consultant, "Bu Rina")
    out = await rows(env, "ticket_out")
    assert len(out) == 1 and out[0]["chat_id"] == MANAGER_ID
    assert "<b>Jawaban</b>" in out[0]["payload"] and "Bu Rina" in out[0]["payload"]
    after = await TicketRepo(env["db"]).get(ticket.id)
    assert (after.status, after.assignee_id) == ("answered", CONSULTANT_ID) and after.first_answer_at
    photo = svc.Incoming(STAFF, 301, CONSULTANT_ID, "photo", None, None)
    await desk(env).relay_from_consultant(ticket.id, photo, consultant, "Bu Rina")
    last = (await rows(env, "ticket_out"))[-1]
    assert last["method"] == "copy_message" and "Konsultan Klinik" in last["payload"]
    with pytest.raises(NotAllowed):
        await desk(env).relay_from_consultant(ticket.id, svc.Incoming(STAFF, 302, 5, "text", "x", "x"), Actor(5), "X")


async def test_clinic_signature_hides_the_name(env):
    env["settings"] = env["settings"].model_copy(update={"consultant_signature": "clinic"})
    ticket = await open_one(env)
    await desk(env).relay_from_consultant(ticket.id, svc.Incoming(STAFF, 1, CONSULTANT_ID, "text", "a", "a"),
                        Actor(CONSULTANT_ID, is_consultant=True), "Bu Rina")
    payload = (await rows(env, "ticket_out"))[0]["payload"]
    assert "Bu Rina" not in payload and "Konsultan Klinik" in payload


async def test_notes_are_stored_and_never_queued(env):
    ticket = await open_one(env)
    before = len(await rows(env))
    assert await desk(env).add_note(ticket.id, svc.Incoming(STAFF, 9, CONSULTANT_ID, "text", "!cek dulu"),
                              Actor(CONSULTANT_ID, is_consultant=True))
    assert len(await rows(env)) == before
    assert (await TicketRepo(env["db"]).messages(ticket.id))[-1].direction == "note"


async def test_resolve_asks_for_rating_and_rating_closes_and_tells_staff(env):
    ticket = await open_one(env)
    consultant = Actor(CONSULTANT_ID, is_consultant=True)
    await TicketRepo(env["db"]).update(ticket.id, card_message_id=55)
    _, after = await desk(env).act(ticket.id, "claim", consultant)
    assert after.status == "claimed"
    edits = await rows(env, "ticket_card_edit")
    assert len(edits) == 1 and "Bu Rina" in edits[0]["payload"]
    await desk(env).act(ticket.id, "resolve", consultant)
    ask = await rows(env, "ticket_out")
    assert len(ask) == 1 and "tm:rate:1:5" in ask[0]["payload"]
    with pytest.raises(NotAllowed):
        await desk(env).rate(ticket.id, Actor(502, cooperative_id=env["other"].id), 5)
    rated = await desk(env).rate(ticket.id, Actor(MANAGER_ID, cooperative_id=env["coop"].id), 4)
    assert rated.status == "closed"
    with pytest.raises(NotAllowed):
        await desk(env).rate(ticket.id, Actor(MANAGER_ID, cooperative_id=env["coop"].id), 1)
    await desk(env).comment(ticket.id, Actor(MANAGER_ID, cooperative_id=env["coop"].id), "mantap")
    notes = [r["payload"] for r in await rows(env, "ticket_staff")]
    assert any("4/5" in p for p in notes) and any("mantap" in p for p in notes)
    assert (await TicketRepo(env["db"]).rating(ticket.id)).comment == "mantap"


async def test_replayed_press_changes_nothing(env):
    ticket = await open_one(env)
    consultant = Actor(CONSULTANT_ID, is_consultant=True)
    await desk(env).act(ticket.id, "claim", consultant)
    before = len(await rows(env))
    b, a = await desk(env).act(ticket.id, "claim", consultant)
    assert b == a and len(await rows(env)) == before
    with pytest.raises(NotAllowed):
        await desk(env).act(ticket.id, "claim", Actor(999))


async def test_sla_raises_once_per_level_and_tells_admins(env):
    ticket = await open_one(env)
    created = from_utc_text(ticket.created_at)
    assert await desk(env).check_sla(now=created + timedelta(minutes=5)) == []
    week = created + timedelta(days=7)  # well past 8 office hours
    assert await desk(env).check_sla(now=week) == [(ticket.id, 2)]
    assert await desk(env).check_sla(now=week) == []
    sla = await rows(env, "ticket_sla")
    assert {r["chat_id"] for r in sla} == {STAFF, 77}
    await desk(env).act((await open_one(env)).id, "claim", Actor(CONSULTANT_ID, is_consultant=True))
    assert await desk(env).check_sla(now=week + timedelta(days=7)) == []  # claimed: no raise


async def test_forget_user_keeps_the_record_without_the_person(env):
    ticket = await open_one(env, messages=[svc.Incoming(MANAGER_ID, 1, MANAGER_ID, "text", "x", "x")])
    repo = TicketRepo(env["db"])
    assert (await repo.export_for(MANAGER_ID))[0]["ticket"]["id"] == ticket.id
    await repo.forget_user(MANAGER_ID)
    kept = await repo.get(ticket.id)
    assert kept.manager_user_id is None and await repo.export_for(MANAGER_ID) == []
    assert all(m.author_id is None for m in await repo.messages(ticket.id))


async def test_set_status_if_refuses_column_names_outside_the_whitelist(env):
    """Issue 9: set_status_if pasted any keyword into the SQL, unlike update()."""
    ticket = await open_one(env)
    repo = TicketRepo(env["db"])
    with pytest.raises(ValueError):
        await repo.set_status_if(ticket.id, "new", **{"question = 'x', status": "closed"})
    with pytest.raises(ValueError):
        await repo.set_status_if(ticket.id, "new", created_at="2000-01-01T00:00:00.000Z")
    kept = await repo.get(ticket.id)
    assert (kept.status, kept.question) == ("new", ticket.question)
    assert await repo.set_status_if(ticket.id, "new", status="claimed", assignee_id=CONSULTANT_ID)
