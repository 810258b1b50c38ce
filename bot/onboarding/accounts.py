"""People and their cooperatives, with no Telegram: a user's language and consent, whether they
block the bot, registering or joining a cooperative, and the cooperative's profile.

The cooperative a manager acts for always comes from their membership here, never from data a
button carried (which can be forged).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.onboarding import service as reg
from bot.core.sanitize import clean_name
from storage.cooperatives import Cooperative, CooperativeRepo, Manager
from storage.db import Database
from storage.flows import FlowRepo
from storage.users import User, UserRepo

JOIN_CODE_ATTEMPTS = 5  # a join-code collision is astronomically rare; retry a few times


class AlreadyMember(Exception):
    """The user manages a cooperative already (one per person)."""


@dataclass(frozen=True)
class Profile:
    """What /profil shows: the manager's cooperative, their role and the other managers' names."""
    cooperative: Cooperative
    role: str
    managers: list[str]


class Accounts:
    def __init__(self, db: Database, default_language: str) -> None:
        self.db = db
        self.default_language = default_language

    # ---- the person ------------------------------------------------------------------------
    async def language_of(self, user_id: int | None) -> str:
        user = await UserRepo(self.db).find(user_id) if user_id is not None else None
        return (user.language if user and user.language else None) or self.default_language

    async def find(self, user_id: int) -> User | None:
        return await UserRepo(self.db).find(user_id)

    async def has_consented(self, user_id: int) -> bool:
        user = await UserRepo(self.db).find(user_id)
        return user is not None and user.has_consented

    async def arrive(self, user_id: int) -> User:
        """/start: the user exists and is reachable again (they may have unblocked the bot)."""
        users = UserRepo(self.db)
        await users.ensure(user_id)
        await users.mark_active(user_id)
        return await users.get(user_id)

    async def set_language(self, user_id: int, language: str) -> None:
        await UserRepo(self.db).set_language(user_id, language)

    async def consent(self, user_id: int, full_name: str, username: str | None) -> None:
        await UserRepo(self.db).grant_consent(user_id, reg.CONSENT_VERSION, clean_name(full_name), username)  # issue 10.4

    async def blocked(self, user_id: int) -> None:
        """The user blocked the bot: kept, marked inactive (no more messages are queued)."""
        await UserRepo(self.db).mark_inactive(user_id, "blocked")

    async def unblocked(self, user_id: int) -> None:
        await UserRepo(self.db).mark_active(user_id)

    # ---- their cooperative ------------------------------------------------------------------
    async def membership(self, user_id: int) -> Manager | None:
        return await CooperativeRepo(self.db).membership(user_id)

    async def cooperative_of(self, user_id: int) -> Cooperative | None:
        return await CooperativeRepo(self.db).cooperative_of(user_id)

    async def cooperative(self, cooperative_id: int) -> Cooperative:
        return await CooperativeRepo(self.db).get(cooperative_id)

    async def managers(self, cooperative_id: int) -> list[Manager]:
        return await CooperativeRepo(self.db).managers(cooperative_id)

    async def by_join_code(self, text: str) -> Cooperative | None:
        code = reg.normalise_join_code(text)
        return await CooperativeRepo(self.db).by_join_code(code) if code else None

    async def register(self, user_id: int, chat_id: int, answers: dict) -> Cooperative:
        """The new cooperative, its first manager and the end of the registration flow, in one
        transaction; raises AlreadyMember (and changes nothing) for a manager of another."""
        for attempt in range(JOIN_CODE_ATTEMPTS):
            try:
                async with self.db.transaction() as tx:
                    coops = CooperativeRepo(tx)
                    if await coops.membership(user_id):
                        raise AlreadyMember
                    coop = await coops.create(reg.profile_from(answers), reg.new_join_code())
                    await coops.add_manager(coop.id, user_id, answers["role"])
                    await FlowRepo(tx).clear(chat_id, user_id)
                return coop
            except sqlite3.IntegrityError as exc:
                if "join_code" not in str(exc) or attempt == JOIN_CODE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def join(self, user_id: int, chat_id: int, cooperative_id: int, role: str) -> Cooperative:
        """Join with a code (idempotent: a retried press adds nothing) and end the flow."""
        async with self.db.transaction() as tx:
            coops = CooperativeRepo(tx)
            coop = await coops.get(cooperative_id)
            if await coops.membership(user_id) is None:
                await coops.add_manager(coop.id, user_id, role)
            await FlowRepo(tx).clear(chat_id, user_id)
        return coop

    async def profile(self, user_id: int) -> Profile | None:
        coops = CooperativeRepo(self.db)
        membership = await coops.membership(user_id)
        if membership is None:
            return None
        coop = await coops.get(membership.cooperative_id)
        return Profile(coop, membership.role, [m.full_name or "-" for m in await coops.managers(coop.id)])

    async def save_profile(self, user_id: int, field: str, answer: object) -> bool:
        """One edited field of the manager's own cooperative (or their role); False when they
        no longer manage one."""
        coops = CooperativeRepo(self.db)
        membership = await coops.membership(user_id)
        if membership is None:
            return False
        if field == "role":
            await coops.set_role(user_id, str(answer))
        else:
            await coops.update_field(membership.cooperative_id, field, answer)
        return True


__all__ = ["Accounts", "AlreadyMember", "Profile"]
