"""The fake Bot API answers a real PTB Bot (real HTTP) the way Telegram does."""

from __future__ import annotations

import asyncio
import datetime as dtm

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.emulator import GENERAL, FakeBotApi, HtmlError, Limits, parse_html
from bot.emulator.samples import sample_png

pytestmark = pytest.mark.e2e

TOKEN = "123456:TEST"
STAFF = -1001234567890


@pytest.fixture
async def bot(api):
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


@pytest.fixture
def sari(api):
    return api.add_user(1001, "Sari", username="sari_kopsyah")


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"cb:{label}")] for label in labels])


def seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else value


# -- sending, editing, copying ----------------------------------------------------------------

async def test_send_edit_and_delete_show_up_for_the_user(api, bot, sari):
    sent = await bot.send_message(sari.id, "<b>Halo</b> Sari &amp; tim", parse_mode="HTML",
                                  reply_markup=keyboard("Ya", "Tidak"))
    assert sent.text == "Halo Sari & tim"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 4

    seen = await sari.next_message()
    assert (seen.text, seen.buttons, seen.html) == ("Halo Sari & tim", [["Ya"], ["Tidak"]],
                                                     "<b>Halo</b> Sari &amp; tim")

    await bot.edit_message_text("Terima kasih", chat_id=sari.id, message_id=sent.message_id)
    edit = await sari.next_message()
    assert edit.edited and edit.text == "Terima kasih" and edit.buttons == []  # no markup: keyboard gone

    await bot.edit_message_reply_markup(sari.id, sent.message_id, reply_markup=keyboard("Lagi"))
    assert (await sari.next_message()).buttons == [["Lagi"]]

    assert await bot.delete_message(sari.id, sent.message_id)
    assert (await sari.next_message()).deleted
    assert sari.messages == []


async def test_copy_forward_reply_and_reply_keyboard(api, bot, sari):
    budi = api.add_user(2001, "Budi")
    staff = api.add_group(STAFF, "Konsultan", members=[budi])
    question = await sari.send("Bagaimana cara RAT daring?")

    copied = await bot.copy_message(STAFF, from_chat_id=sari.id, message_id=question.message_id)
    in_group = await staff.next_message()
    assert in_group.message_id == copied.message_id and in_group.text == question.text

    forwarded = await bot.forward_message(STAFF, sari.id, question.message_id)
    assert forwarded.forward_origin.sender_user.id == sari.id

    answer = await budi.send_in(staff, "Bisa, lewat Zoom", reply_to=in_group)
    assert answer.reply_to == copied.message_id
    assert answer.raw["message_thread_id"] == copied.message_id  # a reply chain, not a topic
    assert "is_topic_message" not in answer.raw

    reply = await bot.send_message(sari.id, "Jawaban", reply_parameters=ReplyParameters(question.message_id),
                                   reply_markup=ReplyKeyboardMarkup([["Menu"]]))
    assert reply.reply_to_message.text == question.text
    assert sari.keyboard == (("Menu",),)


# -- Telegram's errors ---------------------------------------------------------------------------

UNPARSABLE_HTML = [
    ("<b>tebal", 'can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("<p>paragraf</p>", 'unsupported start tag "p" at byte offset 0'),
    ("2 < 3", 'unsupported start tag "" at byte offset 2'),
    ("x<3", "unclosed start tag at byte offset 1"),
    ("AT&T", "unescaped '&' at byte offset 2"),
    ("</b>", "unexpected end tag at byte offset 0"),
]


async def test_html_that_does_not_parse_is_refused(bot, sari):
    for html, detail in UNPARSABLE_HTML:
        with pytest.raises(BadRequest) as caught:
            await bot.send_message(sari.id, html, parse_mode="HTML")
        assert caught.value.message.lower().startswith("can't parse entities: " + detail), html


async def test_telegram_errors_arrive_as_ptb_exceptions(api, bot, sari):
    first = await bot.send_message(sari.id, "satu", reply_markup=keyboard("A"))
    cases = [
        (bot.send_message(sari.id, "x" * 4097), BadRequest, "message is too long"),
        (bot.send_message(sari.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML"), None, None),
        (bot.send_message(sari.id, "  \n "), BadRequest, "message text is empty"),
        (bot.send_photo(sari.id, sample_png(), caption="c" * 1025), BadRequest, "message caption is too long"),
        (bot.send_message(sari.id, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", callback_data="d" * 65)]])), BadRequest, "button_data_invalid"),
        (bot.send_message(424242, "x"), BadRequest, "chat not found"),
        (bot.edit_message_text("satu", sari.id, first.message_id, reply_markup=keyboard("A")),
         BadRequest, "message is not modified"),
        (bot.edit_message_text("dua", sari.id, 9999), BadRequest, "message to edit not found"),
        (bot.send_message(sari.id, "x", reply_parameters=ReplyParameters(9999)), BadRequest,
         "message to be replied not found"),
    ]
    for call, error, text in cases:
        if error is None:
            await call
            continue
        with pytest.raises(error) as caught:
            await call
        assert caught.value.message.lower().startswith(text), caught.value.message
    assert len(api.rejected()) == len([c for c in cases if c[1]])


async def test_blocked_user_gives_403_and_my_chat_member(api, bot, sari):
    api.block(sari)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(sari.id, "halo")
    updates = await bot.get_updates()
    assert updates[-1].my_chat_member.new_chat_member.status == "kicked"
    api.unblock(sari)
    await bot.send_message(sari.id, "halo lagi")
    stranger = api.add_user(1002, "Tono", started=False)
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(stranger.id, "halo")


async def test_wrong_token_unknown_method_and_case_insensitive_names(api, bot):
    impostor = Bot("999:WRONG", base_url=api.base_url)
    with pytest.raises(InvalidToken):
        await impostor.initialize()
    await impostor.shutdown()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api.url}/bot{TOKEN}/noSuchMethod") as response:
            assert response.status == 404 and (await response.json())["description"] == "Not Found"
        async with http.get(f"{api.url}/bot{TOKEN}/GETME") as response:
            assert (await response.json())["result"]["is_bot"] is True


# -- limits and faults ---------------------------------------------------------------------------

async def test_flood_limits_give_429_with_retry_after(api, bot, sari):
    api.limits = Limits(global_per_second=3, group_per_minute=2, private_per_second=None)
    api.add_group(STAFF, "Konsultan")
    for i in range(3):
        await bot.send_message(sari.id, f"pesan {i}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(sari.id, "terlalu cepat")
    assert seconds(caught.value.retry_after) == 1
    await bot.edit_message_text("edit tidak dihitung", sari.id, 1)  # edits do not count

    api.advance_time(1.1)
    await bot.send_message(STAFF, "satu")
    await bot.send_message(STAFF, "dua")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(STAFF, "tiga")
    assert 58 <= seconds(caught.value.retry_after) <= 60
    assert api.rejected()[-1].retry_after == seconds(caught.value.retry_after)


async def test_private_limit_is_per_chat_and_limits_switch_off(api, bot, sari):
    rina = api.add_user(2002, "Rina")
    api.limits = Limits(private_per_second=1)
    await bot.send_message(sari.id, "satu")
    await bot.send_message(rina.id, "satu")
    with pytest.raises(RetryAfter):
        await bot.send_message(sari.id, "dua")
    api.limits.enabled = False
    for i in range(40):
        await bot.send_message(sari.id, f"banjir {i}")
    assert api.counts()["sendMessage"] == 43


async def test_injected_faults(api, bot, sari):
    api.clear_requests()
    api.inject("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(sari.id, "x")
    api.inject("sendmessage", status=429, retry_after=7, times=2, chat_id=sari.id)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(sari.id, "x")
        assert seconds(caught.value.retry_after) == 7
    api.inject("*", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_me()
    await bot.send_message(sari.id, "akhirnya")
    assert [r.status for r in api.requests] == [502, 429, 429, 500, 200]


# -- polling and buttons -------------------------------------------------------------------------

async def test_long_poll_wakes_on_a_users_message(bot, sari):
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await sari.send("halo")
    updates = await asyncio.wait_for(poll, 2)
    assert updates[0].message.text == "halo"
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()


async def test_application_polling_handles_command_and_button_press(api, sari):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_html("Pilih <i>bahasa</i>:", reply_markup=keyboard("Bahasa Indonesia", "English"))

    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("Siap!")
        await update.callback_query.edit_message_text(f"Dipilih: {update.callback_query.data}")

    app = (Application.builder().token(TOKEN).base_url(api.base_url).base_file_url(api.base_file_url)
           .build())
    app.add_handlers([CommandHandler("start", start), CallbackQueryHandler(chosen)])
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=2)
        await sari.command("/start")
        menu = await sari.next_message()
        assert menu.text == "Pilih bahasa:" and menu.buttons == [["Bahasa Indonesia"], ["English"]]
        answer = await sari.press("Indonesia")
        assert answer.text == "Siap!"
        assert (await sari.next_message()).text == "Dipilih: cb:Bahasa Indonesia"
        with pytest.raises(LookupError, match="buttons on recent messages"):
            await sari.press("Jawa")
        await app.updater.stop()
        await app.stop()
    assert api.rejected() == []


# -- forum topics, media -------------------------------------------------------------------------

async def test_forum_topics(api, bot):
    budi = api.add_user(2001, "Budi")
    staff = api.add_group(STAFF, "Konsultan", forum=True, members=[budi])
    topic = await bot.create_forum_topic(STAFF, "Tiket #1 KSP Maju")
    sent = await bot.send_message(STAFF, "Pertanyaan baru", message_thread_id=topic.message_thread_id)
    assert sent.is_topic_message and sent.reply_to_message.forum_topic_created.name == "Tiket #1 KSP Maju"
    seen = await staff.next_message(thread_id=topic.message_thread_id)
    assert seen.message_id == sent.message_id
    await bot.send_message(STAFF, "Pengumuman umum")
    assert [m.text for m in staff.messages(GENERAL)] == ["Pengumuman umum"]
    assert len(staff.messages()) == 2

    reply = await budi.send_in(staff, "Saya bantu", thread_id=topic.message_thread_id)
    assert reply.thread_id == topic.message_thread_id and reply.is_topic_message

    await bot.edit_forum_topic(STAFF, topic.message_thread_id, name="Tiket #1 (selesai)")
    await bot.close_forum_topic(STAFF, topic.message_thread_id)
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.close_forum_topic(STAFF, topic.message_thread_id)
    assert staff.topic("selesai").closed
    await bot.delete_forum_topic(STAFF, topic.message_thread_id)
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(STAFF, "masih ada?", message_thread_id=topic.message_thread_id)

    plain = api.add_group(-1009876543210, "Biasa")
    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await bot.create_forum_topic(plain.id, "x")
    member = await bot.get_chat_member(STAFF, budi.id)
    assert member.status == "member"
    assert (await bot.get_chat(STAFF)).is_forum


async def test_photo_upload_get_file_and_download(api, bot, sari):
    png = sample_png(32, 16)
    sent = await bot.send_photo(sari.id, png, caption="<b>Grafik</b> kesehatan", parse_mode="HTML")
    assert (sent.photo[-1].width, sent.photo[-1].height) == (32, 16)
    assert sent.caption == "Grafik kesehatan"
    assert (await sari.next_message()).photo

    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == png

    again = await bot.send_photo(sari.id, sent.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    with pytest.raises(BadRequest, match="Can't use file of type photo as document"):
        await bot.send_document(sari.id, sent.photo[-1].file_id)

    doc = await sari.send_document("neraca.pdf", caption="Neraca 2024")
    incoming = (await bot.get_updates())[-1].message
    assert incoming.document.file_name == "neraca.pdf" and incoming.caption == "Neraca 2024"
    downloaded = await (await bot.get_file(incoming.document.file_id)).download_as_bytearray()
    assert bytes(downloaded).startswith(b"%PDF") and doc.kind == "document"

    album = await bot.send_media_group(sari.id, [InputMediaPhoto(png), InputMediaPhoto(sample_png())])
    assert len({m.media_group_id for m in album}) == 1
    photos = await sari.send_album(3)
    assert len({m.media_group_id for m in photos}) == 1


async def test_commands_and_descriptions(api, bot):
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Mulai", "Mulai percakapan")])
    await bot.set_my_commands([("mulai", "Mulai percakapan")], language_code="id")
    assert [c.command for c in await bot.get_my_commands(language_code="id")] == ["mulai"]
    assert await bot.set_my_description("Klinik Koperasi Kabupaten Bekasi")


def test_html_parser_reports_utf16_entities_and_tdlib_errors():
    text, entities = parse_html('🏟 <a href="https://x.id/?a=1&amp;b=2">tautan</a> <tg-spoiler>s</tg-spoiler>')
    assert text == "🏟 tautan s"
    assert entities[0] == {"offset": 3, "length": 6, "type": "text_link", "url": "https://x.id/?a=1&b=2"}
    assert entities[1]["type"] == "spoiler"
    with pytest.raises(HtmlError, match='Tag "span" must have class "tg-spoiler"'):
        parse_html("<span>x</span>")
    assert parse_html("AT&T", strict=False)[0] == "AT&T"
