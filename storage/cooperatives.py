"""Cooperatives and the managers (pengurus) who act for them."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from storage.db import Executor, NotFound, utcnow


@dataclass(frozen=True)
class Cooperative:
    id: int
    name: str
    nik: str | None
    kind: str
    company: str | None
    estate: str | None
    kecamatan: str
    members: int
    fy_end_month: int
    join_code: str
    created_at: str
    updated_at: str
    nik_certificate_date: str | None = None  # ISO date (migration 0013)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Manager:
    user_id: int
    cooperative_id: int
    role: str
    joined_at: str
    full_name: str | None
    is_active: bool


PROFILE_FIELDS = ("name", "nik", "kind", "company", "estate", "kecamatan", "members", "fy_end_month",
                  "nik_certificate_date")


def _coop(row) -> Cooperative:
    return Cooperative(**{k: row[k] for k in Cooperative.__dataclass_fields__})


class CooperativeRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def create(self, profile: dict, join_code: str, created_at: str | None = None) -> Cooperative:
        """`created_at` (ISO UTC) only for imports and tests of a cooperative registered earlier."""
        now = created_at or utcnow()
        cur = await self.db.execute(
            "INSERT INTO cooperatives (name, nik, kind, company, estate, kecamatan, members, "
            "fy_end_month, nik_certificate_date, join_code, created_at, updated_at) "
            "VALUES (:name, :nik, :kind, :company, :estate, :kecamatan, :members, :fy_end_month, "
            ":nik_certificate_date, :join_code, :now, :now)",
            {**{f: profile.get(f) for f in PROFILE_FIELDS}, "join_code": join_code, "now": now},
        )
        return await self.get(cur.lastrowid)

    async def get(self, cooperative_id: int) -> Cooperative:
        row = await self.db.fetchone("SELECT * FROM cooperatives WHERE id = ?", (cooperative_id,))
        if row is None:
            raise NotFound(f"cooperative {cooperative_id}")
        return _coop(row)

    async def by_join_code(self, code: str) -> Cooperative | None:
        row = await self.db.fetchone("SELECT * FROM cooperatives WHERE join_code = ?", (code,))
        return _coop(row) if row else None

    async def update_field(self, cooperative_id: int, field: str, value: object) -> None:
        if field not in PROFILE_FIELDS:
            raise ValueError(f"not a profile field: {field}")
        await self.db.execute(
            f"UPDATE cooperatives SET {field} = ?, updated_at = ? WHERE id = ?",  # field is whitelisted
            (value, utcnow(), cooperative_id),
        )

    async def all(self) -> list[Cooperative]:
        return [_coop(r) for r in await self.db.fetchall("SELECT * FROM cooperatives ORDER BY id")]

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM cooperatives")
        return int(row[0])

    # Managers -------------------------------------------------------------------------
    async def add_manager(self, cooperative_id: int, user_id: int, role: str) -> None:
        await self.db.execute(
            "INSERT INTO managers (user_id, cooperative_id, role, joined_at) VALUES (?, ?, ?, ?)",
            (user_id, cooperative_id, role, utcnow()),
        )

    async def set_role(self, user_id: int, role: str) -> None:
        await self.db.execute(
            "UPDATE managers SET role = ? WHERE user_id = ? AND left_at IS NULL", (role, user_id)
        )

    async def leave(self, user_id: int) -> None:
        await self.db.execute(
            "UPDATE managers SET left_at = ? WHERE user_id = ? AND left_at IS NULL", (utcnow(), user_id)
        )

    async def membership(self, user_id: int) -> Manager | None:
        row = await self.db.fetchone(
            "SELECT m.user_id, m.cooperative_id, m.role, m.joined_at, u.full_name, u.is_active "
            "FROM managers m JOIN users u ON u.telegram_id = m.user_id "
            "WHERE m.user_id = ? AND m.left_at IS NULL",
            (user_id,),
        )
        return _manager(row) if row else None

    async def cooperative_of(self, user_id: int) -> Cooperative | None:
        row = await self.db.fetchone(
            "SELECT c.* FROM cooperatives c JOIN managers m ON m.cooperative_id = c.id "
            "WHERE m.user_id = ? AND m.left_at IS NULL",
            (user_id,),
        )
        return _coop(row) if row else None

    async def managers(self, cooperative_id: int, active_only: bool = True) -> list[Manager]:
        rows = await self.db.fetchall(
            "SELECT m.user_id, m.cooperative_id, m.role, m.joined_at, u.full_name, u.is_active "
            "FROM managers m JOIN users u ON u.telegram_id = m.user_id "
            "WHERE m.cooperative_id = ? AND m.left_at IS NULL"
            + (" AND u.is_active = 1" if active_only else "")
            + " ORDER BY m.id",
            (cooperative_id,),
        )
        return [_manager(r) for r in rows]


def _manager(row) -> Manager:
    return Manager(
        user_id=row["user_id"], cooperative_id=row["cooperative_id"], role=row["role"],
        joined_at=row["joined_at"], full_name=row["full_name"], is_active=bool(row["is_active"]),
    )
