"""Handlers fed real PTB Update objects through app.process_update()."""
from __future__ import annotations

from telegram.ext import CommandHandler

from storage.flows import FlowRepo
from storage.users import UserRepo
from tests.factories import button_press, sticker_message, text_message

SARI = 1001


def texts_to(api, chat_id: int) -> list[str]:
    return [m.text for m in api.world.events if m.chat_id == chat_id and m.event == "new"]


async def test_start_offers_languages_and_stores_only_the_id(app, api):
    await app.process_update(text_message(app.bot, SARI, "/start"))
    assert "pilih bahasa" in texts_to(api, SARI)[-1]
    user = await UserRepo(app.bot_data["services"].db).get(SARI)
    assert (user.full_name, user.username, user.has_consented) == (None, None, False)
    state = await FlowRepo(app.bot_data["services"].db).get(SARI, SARI)
    assert (state.name, state.step) == ("registration", "language")


async def test_language_button_moves_the_flow_and_a_replay_is_stale(app, api):
    await app.process_update(text_message(app.bot, SARI, "/start"))
    await app.process_update(button_press(app.bot, SARI, "reg:language:en"))
    db = app.bot_data["services"].db
    assert (await UserRepo(db).get(SARI)).language == "en"
    assert (await FlowRepo(db).get(SARI, SARI)).step == "consent"
    await app.process_update(button_press(app.bot, SARI, "reg:language:id"))  # replayed press
    answers = [c.params.get("text") for c in api.calls("answerCallbackQuery")]
    assert answers[-1] == "This button is no longer valid."
    assert (await UserRepo(db).get(SARI)).language == "en"
    # these presses were never known to Telegram ("query is too old"): handled all the same
    assert all(c.status == 400 for c in api.calls("answerCallbackQuery"))
    assert not [t for t in texts_to(api, 2002) if "Bot error" in t]


async def test_sticker_where_a_button_is_expected(app, api):
    await app.process_update(text_message(app.bot, SARI, "/start"))
    await app.process_update(sticker_message(app.bot, SARI))
    assert "tombol" in texts_to(api, SARI)[-2].lower()      # use the buttons, please
    assert "pilih bahasa" in texts_to(api, SARI)[-1].lower()  # and the question again


async def test_unknown_command_and_cancel(app, api):
    await app.process_update(text_message(app.bot, SARI, "/tidakada"))
    assert "tidak dikenal" in texts_to(api, SARI)[-1]
    await app.process_update(text_message(app.bot, SARI, "/batal"))
    assert "Tidak ada proses" in texts_to(api, SARI)[-1]


async def test_a_crashing_handler_gets_a_polite_answer_and_admins_a_report(app, api):
    async def boom(update, context):
        raise RuntimeError("disk on fire")
    app.add_handler(CommandHandler("boom", boom), group=-1)
    await app.process_update(text_message(app.bot, SARI, "/boom"))
    apology = [t for t in texts_to(api, SARI) if "Maaf, terjadi gangguan" in t]
    assert len(apology) == 1 and "disk on fire" not in apology[0] and "Traceback" not in apology[0]
    await app.bot_data["services"].delivery.drain()  # reports go through the outbox (issue 12, point 8)
    report = texts_to(api, -1001234567890)[-1]  # to the staff group; admin 2002 never started the bot
    assert "disk on fire" in report and "RuntimeError" in report
    assert api.rejected() == []
