"""/datasaya and /hapusdata through real Updates; the journeys' hooks come from the application."""
from __future__ import annotations

import json
from types import ModuleType

from bot.app import JOURNEYS, build_application, initialized_application
from handlers import ask, privacy, router
from storage.cooperatives import CooperativeRepo
from storage.triage import TriageRepo
from storage.users import UserRepo
from tests.e2e.harness import MANAGER_ID, add_people, seed_cooperative, settings_for
from tests.factories import button_press, text_message


def _failing_journey() -> ModuleType:
    """A journey whose erase step fails, registered after ask's (which has already run)."""
    module = ModuleType("tests.handlers.failing_journey")

    async def erase(tx, user_id: int) -> None:
        raise RuntimeError("disk full halfway through the erasure")
    module.PRIVACY_ERASE = erase
    return module


async def test_erase_failing_halfway_leaves_nothing_erased(api, tmp_path):
    add_people(api)
    journeys = (privacy, ask, _failing_journey(), router)
    async with initialized_application(settings_for(api, tmp_path / "p.sqlite3", rate_limit=False),
                                       journeys) as app:
        db = app.bot_data["services"].db
        await seed_cooperative(db, MANAGER_ID)
        await app.process_update(text_message(app.bot, MANAGER_ID, "bagaimana cara menyelenggarakan RAT"))
        assert len(await TriageRepo(db).for_user(MANAGER_ID)) == 1
        await app.process_update(text_message(app.bot, MANAGER_ID, "/hapusdata"))
        await app.process_update(button_press(app.bot, MANAGER_ID, "priv:erase:yes"))
        # ask's step ran before the failure, inside the same transaction: rolled back with it
        assert len(await TriageRepo(db).for_user(MANAGER_ID)) == 1
        user = await UserRepo(db).get(MANAGER_ID)
        assert user.has_consented and user.full_name == "Sari"
        assert await CooperativeRepo(db).membership(MANAGER_ID) is not None
        assert any("Maaf, terjadi gangguan" in (m.text or "") for m in api.world.events if m.chat_id == MANAGER_ID)


async def test_erase_runs_every_journeys_step_and_the_core(app, api):
    db = app.bot_data["services"].db
    await seed_cooperative(db, MANAGER_ID)
    await app.process_update(text_message(app.bot, MANAGER_ID, "bagaimana cara menyelenggarakan RAT"))
    await app.process_update(text_message(app.bot, MANAGER_ID, "/hapusdata"))
    await app.process_update(button_press(app.bot, MANAGER_ID, "priv:erase:yes"))
    assert await TriageRepo(db).for_user(MANAGER_ID) == []
    assert not (await UserRepo(db).get(MANAGER_ID)).has_consented
    assert await CooperativeRepo(db).membership(MANAGER_ID) is None


async def test_export_has_a_section_per_journey_that_declares_one(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    await app.process_update(text_message(app.bot, MANAGER_ID, "/datasaya"))
    export = [f for f in api.world.files.values() if f.kind == "document"][-1]
    document = json.loads(export.data)
    assert {"account", "faq_questions", "tickets", "meetings", "health_checks", "obligations_recorded"} <= set(document)


def test_two_applications_share_no_registry(api, tmp_path):
    settings = settings_for(api, tmp_path / "x.sqlite3")
    full, small = build_application(settings), build_application(settings, journeys=(privacy, router))
    assert full.bot_data["journeys"].modules == JOURNEYS
    assert small.bot_data["journeys"].modules == (privacy, router)
    assert "registration" in full.bot_data["journeys"].flows and set(small.bot_data["journeys"].flows) == {"erase"}
    assert small.bot_data["journeys"].erase_steps == () and small.bot_data["journeys"].private_fallbacks == ()
