import asyncio
import sqlite3

import pytest

from bot.core.outbox import Outbox
from storage.cooperatives import CooperativeRepo
from storage.db import Database
from storage.flows import FlowRepo, FlowState
from storage.migrations import available_migrations
from storage.outbox import OutboxRepo
from storage.users import UserRepo

pytestmark = pytest.mark.unit

PROFILE = dict(name="Kopkar Maju", nik=None, kind="karyawan", company="PT Maju", estate="MM2100",
               kecamatan="Cikarang Barat", members=120, fy_end_month=12)


async def test_migrations_are_numbered_and_recorded(db):
    versions = [m.version for m in available_migrations()]
    assert versions == sorted(set(versions)) and versions[0] == 1
    row = await db.fetchone("SELECT MAX(version) FROM schema_version")
    assert row[0] == versions[-1]
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1


async def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "again.sqlite3"
    first = await Database.open(path)
    await first.close()
    second = await Database.open(path)
    rows = await second.fetchall("SELECT version FROM schema_version")
    assert len(rows) == len(available_migrations())
    await second.close()


async def test_only_the_id_before_consent_then_name_after(db):
    users = UserRepo(db)
    await users.ensure(42)
    u = await users.get(42)
    assert u.full_name is None and not u.has_consented
    await users.grant_consent(42, "v1", "Sari", "sari")
    u = await users.get(42)
    assert u.has_consented and u.full_name == "Sari"
    await users.erase_personal_data(42)
    u = await users.get(42)
    assert u.full_name is None and u.username is None and not u.has_consented
    assert [c["withdrawn_at"] is not None for c in await users.consents(42)] == [True]


async def test_blocked_user_is_marked_not_deleted(db):
    users = UserRepo(db)
    await users.ensure(7)
    await users.mark_inactive(7, "blocked")
    assert (await users.get(7)).is_active is False
    await users.mark_active(7)
    assert (await users.get(7)).is_active is True


async def test_nik_must_be_16_digits_in_the_schema_too(db):
    with pytest.raises(sqlite3.IntegrityError):
        await CooperativeRepo(db).create({**PROFILE, "nik": "12345"}, "ABCDEFGH")


async def test_one_active_membership_per_user(db):
    await UserRepo(db).ensure(1)
    coops = CooperativeRepo(db)
    coop = await coops.create(PROFILE, "ABCDEFGH")
    await coops.add_manager(coop.id, 1, "ketua")
    with pytest.raises(sqlite3.IntegrityError):
        await coops.add_manager(coop.id, 1, "bendahara")
    await coops.leave(1)
    assert await coops.membership(1) is None
    await coops.add_manager(coop.id, 1, "bendahara")
    assert (await coops.membership(1)).role == "bendahara"


async def test_transaction_rolls_back_everything(db):
    await UserRepo(db).ensure(5)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            coop = await CooperativeRepo(tx).create(PROFILE, "ZZZZZZZZ")
            await CooperativeRepo(tx).add_manager(coop.id, 5, "ketua")
            raise RuntimeError("crash in the middle")
    assert await CooperativeRepo(db).count() == 0
    assert await CooperativeRepo(db).membership(5) is None


async def test_concurrent_transactions_do_not_interleave(db):
    async def register(i: int) -> None:
        async with db.transaction() as tx:
            await UserRepo(tx).ensure(100 + i)
            coop = await CooperativeRepo(tx).create(PROFILE, f"CODE{i:04d}")
            await asyncio.sleep(0)
            await CooperativeRepo(tx).add_manager(coop.id, 100 + i, "ketua")
    await asyncio.gather(*(register(i) for i in range(20)))
    assert await CooperativeRepo(db).count() == 20


async def test_flow_state_survives_reopen(tmp_path):
    path = tmp_path / "flows.sqlite3"
    db = await Database.open(path)
    await FlowRepo(db).save(FlowState(10, 10, "registration", "members", {"name": "Kopkar A"}))
    await db.close()
    db = await Database.open(path)
    state = await FlowRepo(db).get(10, 10)
    assert (state.step, state.data) == ("members", {"name": "Kopkar A"})
    assert await FlowRepo(db).clear(10, 10) is True
    assert await FlowRepo(db).get(10, 10) is None
    await db.close()


async def test_outbox_dedupe_and_per_chat_order(db):
    outbox = Outbox(db)
    first = await outbox.send_text(1, "a", kind="relay", dedupe_key="k1")
    again = await outbox.send_text(1, "a", kind="relay", dedupe_key="k1")
    second = await outbox.send_text(1, "b", kind="relay", dedupe_key="k2")
    other = await outbox.send_text(2, "c", kind="relay")
    assert again is None and first < second
    repo = OutboxRepo(db)
    due = await repo.due(10)
    assert [r.id for r in due] == [first, other]  # chat 1's second row waits behind its first
    await repo.mark_sending(first)
    await repo.retry_later(first, 60, "429")
    due = await repo.due(10)
    assert [r.id for r in due] == [other]  # the retry holds back the rest of chat 1
    await repo.mark_sending(other)
    assert await repo.requeue_interrupted() == 1
