"""The staff roster (consultants) and the kecamatan they cover (set with /wilayah in the staff group)."""
from __future__ import annotations

from dataclasses import dataclass

from storage.db import Executor, utcnow


@dataclass(frozen=True)
class Consultant:
    user_id: int
    display_name: str
    username: str | None


class ConsultantRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def upsert(self, user_id: int, display_name: str, username: str | None, source: str = "used") -> None:
        """Someone on the staff roster (an administrator, a member who spoke, a consultant who
        used the desk): added if new, names refreshed; a removal by an admin stays in force."""
        now = utcnow()
        await self.db.execute(
            "INSERT INTO consultants (user_id, display_name, username, created_at, updated_at, source) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET "
            "display_name = excluded.display_name, username = excluded.username, updated_at = excluded.updated_at",
            (user_id, display_name, username, now, now, source),
        )

    async def set_active(self, user_id: int, display_name: str, username: str | None, active: bool,
                         source: str = "added") -> None:
        """An admin's /konsultan: add someone to the roster, or take them off it."""
        now = utcnow()
        await self.db.execute(
            "INSERT INTO consultants (user_id, display_name, username, created_at, updated_at, source, active) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET "
            "display_name = excluded.display_name, username = excluded.username, updated_at = excluded.updated_at, "
            "source = excluded.source, active = excluded.active",
            (user_id, display_name, username, now, now, source, int(active)),
        )

    async def get(self, user_id: int) -> Consultant | None:
        row = await self.db.fetchone("SELECT * FROM consultants WHERE user_id = ?", (user_id,))
        return Consultant(row["user_id"], row["display_name"], row["username"]) if row else None

    async def set_areas(self, user_id: int, kecamatan: list[str]) -> None:
        await self.db.execute("DELETE FROM consultant_areas WHERE user_id = ?", (user_id,))
        for name in dict.fromkeys(kecamatan):
            await self.db.execute(
                "INSERT INTO consultant_areas (user_id, kecamatan) VALUES (?, ?)", (user_id, name)
            )

    async def toggle_area(self, user_id: int, kecamatan: str) -> bool:
        """Add or remove one kecamatan; returns whether it is now covered."""
        cur = await self.db.execute(
            "DELETE FROM consultant_areas WHERE user_id = ? AND kecamatan = ?", (user_id, kecamatan)
        )
        if cur.rowcount:
            return False
        await self.db.execute(
            "INSERT INTO consultant_areas (user_id, kecamatan) VALUES (?, ?)", (user_id, kecamatan)
        )
        return True

    async def areas_of(self, user_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT kecamatan FROM consultant_areas WHERE user_id = ? ORDER BY kecamatan", (user_id,)
        )
        return [r[0] for r in rows]

    async def covering(self, kecamatan: str) -> list[Consultant]:
        rows = await self.db.fetchall(
            "SELECT c.* FROM consultants c JOIN consultant_areas a ON a.user_id = c.user_id "
            "WHERE a.kecamatan = ? AND c.active = 1 ORDER BY c.display_name",
            (kecamatan,),
        )
        return [Consultant(r["user_id"], r["display_name"], r["username"]) for r in rows]

    async def all(self) -> list[Consultant]:
        """The roster: everyone on it and not removed by an admin."""
        rows = await self.db.fetchall("SELECT * FROM consultants WHERE active = 1 ORDER BY display_name")
        return [Consultant(r["user_id"], r["display_name"], r["username"]) for r in rows]

    async def areas(self) -> dict[int, list[str]]:
        """Every roster member's kecamatan, for /wilayah's overview."""
        rows = await self.db.fetchall(
            "SELECT a.user_id, a.kecamatan FROM consultant_areas a JOIN consultants c ON c.user_id = a.user_id "
            "WHERE c.active = 1 ORDER BY a.kecamatan")
        out: dict[int, list[str]] = {}
        for r in rows:
            out.setdefault(r[0], []).append(r[1])
        return out
