"""/staf, and a user blocking or unblocking the bot (membership), through real Updates."""
from __future__ import annotations

from storage.users import UserRepo
from tests.e2e.harness import ADMIN_ID, CONSULTANT_ID, MANAGER_ID, STAFF_CHAT_ID, OUTSIDER_ID
from tests.factories import my_chat_member
from tests.handlers.chat import Person


async def test_whoami_only_in_the_staff_group_with_the_journeys_details(app, api):
    budi = Person(app, api, CONSULTANT_ID, "Budi")
    await budi.send("/staf")
    assert "hanya untuk grup staf" in budi.last
    in_group = budi.in_group(STAFF_CHAT_ID)
    await in_group.send("/staf")
    assert "Budi" in in_group.last and "Konsultan (anggota grup staf): ya" in in_group.last
    assert "Admin Dinas: tidak" in in_group.last
    assert "Wilayah" in in_group.last  # tickets_staff's STAFF_DETAIL, through the journey registry
    rina = Person(app, api, ADMIN_ID, "Rina").in_group(STAFF_CHAT_ID)
    await rina.send("/staf")
    assert "Admin Dinas: ya" in rina.last
    eko = Person(app, api, OUTSIDER_ID, "Eko").in_group(STAFF_CHAT_ID)
    await eko.send("/staf")
    assert "Konsultan (anggota grup staf): tidak" in eko.last


async def test_blocking_and_unblocking_the_bot(app, api):
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/start")
    users = UserRepo(app.bot_data["services"].db)
    await app.process_update(my_chat_member(app.bot, MANAGER_ID, "member", "kicked"))
    assert not (await users.get(MANAGER_ID)).is_active
    await app.process_update(my_chat_member(app.bot, MANAGER_ID, "kicked", "member"))
    assert (await users.get(MANAGER_ID)).is_active
