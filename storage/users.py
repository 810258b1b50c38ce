"""Telegram users: language, consent, whether the bot can still reach them."""
from __future__ import annotations

from dataclasses import dataclass

from storage.db import Executor, NotFound, utcnow


@dataclass(frozen=True)
class User:
    telegram_id: int
    language: str | None
    full_name: str | None
    username: str | None
    is_active: bool
    consent_version: str | None  # the consent in force, None when never given or withdrawn
    consented_at: str | None
    created_at: str

    @property
    def has_consented(self) -> bool:
        return self.consent_version is not None


_SELECT = """
SELECT u.*, c.version AS consent_version, c.granted_at AS consented_at
FROM users u
LEFT JOIN consents c ON c.id = (
    SELECT id FROM consents WHERE user_id = u.telegram_id AND withdrawn_at IS NULL
    ORDER BY id DESC LIMIT 1)
"""


def _user(row) -> User:
    return User(
        telegram_id=row["telegram_id"], language=row["language"], full_name=row["full_name"],
        username=row["username"], is_active=bool(row["is_active"]),
        consent_version=row["consent_version"], consented_at=row["consented_at"],
        created_at=row["created_at"],
    )


class UserRepo:
    def __init__(self, db: Executor) -> None:
        self.db = db

    async def get(self, telegram_id: int) -> User:
        row = await self.db.fetchone(_SELECT + " WHERE u.telegram_id = ?", (telegram_id,))
        if row is None:
            raise NotFound(f"user {telegram_id}")
        return _user(row)

    async def find(self, telegram_id: int) -> User | None:
        try:
            return await self.get(telegram_id)
        except NotFound:
            return None

    async def ensure(self, telegram_id: int) -> None:
        """Only the id: nothing else is stored before consent."""
        now = utcnow()
        await self.db.execute(
            "INSERT INTO users (telegram_id, created_at, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(telegram_id) DO NOTHING",
            (telegram_id, now, now),
        )

    async def set_language(self, telegram_id: int, language: str) -> None:
        await self.ensure(telegram_id)
        await self.db.execute(
            "UPDATE users SET language = ?, updated_at = ? WHERE telegram_id = ?",
            (language, utcnow(), telegram_id),
        )

    async def grant_consent(self, telegram_id: int, version: str, full_name: str, username: str | None) -> None:
        now = utcnow()
        await self.ensure(telegram_id)
        await self.db.execute(
            "INSERT INTO consents (user_id, version, granted_at) VALUES (?, ?, ?)",
            (telegram_id, version, now),
        )
        await self.db.execute(
            "UPDATE users SET full_name = ?, username = ?, updated_at = ? WHERE telegram_id = ?",
            (full_name, username, now, telegram_id),
        )

    async def update_profile(self, telegram_id: int, full_name: str, username: str | None) -> None:
        """Keep the display name current, only for users who consented."""
        await self.db.execute(
            "UPDATE users SET full_name = ?, username = ?, updated_at = ? WHERE telegram_id = ? "
            "AND EXISTS (SELECT 1 FROM consents WHERE user_id = ? AND withdrawn_at IS NULL) "
            "AND (full_name IS NOT ? OR username IS NOT ?)",
            (full_name, username, utcnow(), telegram_id, telegram_id, full_name, username),
        )

    async def erase_personal_data(self, telegram_id: int) -> None:
        """UU PDP: withdraw consent and forget the name; the numeric id stays as a pseudonym
        so that the cooperative's records (tickets, meetings) keep their integrity."""
        now = utcnow()
        await self.db.execute(
            "UPDATE consents SET withdrawn_at = ? WHERE user_id = ? AND withdrawn_at IS NULL",
            (now, telegram_id),
        )
        await self.db.execute(
            "UPDATE users SET full_name = NULL, username = NULL, updated_at = ? WHERE telegram_id = ?",
            (now, telegram_id),
        )

    async def consents(self, telegram_id: int) -> list[dict]:
        rows = await self.db.fetchall(
            "SELECT version, granted_at, withdrawn_at FROM consents WHERE user_id = ? ORDER BY id",
            (telegram_id,),
        )
        return [dict(r) for r in rows]

    async def mark_inactive(self, telegram_id: int, reason: str) -> None:
        """A user who blocked the bot is kept (their cooperative's records need them), not deleted."""
        now = utcnow()
        await self.db.execute(
            "UPDATE users SET is_active = 0, inactive_reason = ?, inactive_at = ?, updated_at = ? "
            "WHERE telegram_id = ? AND is_active = 1",
            (reason, now, now, telegram_id),
        )

    async def mark_active(self, telegram_id: int) -> None:
        await self.db.execute(
            "UPDATE users SET is_active = 1, inactive_reason = NULL, inactive_at = NULL, updated_at = ? "
            "WHERE telegram_id = ? AND is_active = 0",
            (utcnow(), telegram_id),
        )
