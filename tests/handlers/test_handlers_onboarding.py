"""Handlers fed real PTB Update objects through app.process_update()."""
from __future__ import annotations

from telegram.ext import CommandHandler

from storage.cooperatives import CooperativeRepo
from storage.flows import FlowRepo
from storage.users import UserRepo
from tests.factories import button_press, sticker_message, text_message
from tests.handlers.chat import Person

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


# ---- registering and joining -------------------------------------------------------------------
async def register_until_members(person) -> None:
    """Language, consent, new cooperative, answers up to the members question."""
    await person.send("/start")
    await person.press("Bahasa Indonesia")
    assert "Pemberitahuan privasi" in person.last
    await person.press("Setuju")
    await person.press("Daftarkan koperasi baru")
    assert "nama koperasi" in person.last
    await person.send("Kopkar Sejahtera <Mandiri> & Co")
    await person.press("Lewati")  # no NIK
    await person.press("Koperasi karyawan")
    await person.send("PT Maju Jaya Abadi")
    await person.press("MM2100")
    await person.press("Cikarang Barat")
    assert "jumlah anggota" in person.last


async def test_new_manager_registers_then_a_second_manager_joins_with_the_code(app, api):
    sari, andi = Person(app, api, SARI), Person(app, api, 1002, "Andi")
    await register_until_members(sari)
    await sari.send("1.250")
    await sari.press("Desember")
    await sari.press("Ketua")
    confirm = sari.messages()[-1]
    assert "Kopkar Sejahtera &lt;Mandiri&gt; &amp; Co" in confirm.html and "Jumlah anggota: 1.250" in confirm.text
    await sari.press("Simpan")
    code = sari.last.split("Kode gabung untuk pengurus lain: ")[1].split()[0]
    db = app.bot_data["services"].db
    coop = await CooperativeRepo(db).cooperative_of(SARI)
    assert (coop.name, coop.kind, coop.kecamatan, coop.members, coop.fy_end_month, coop.nik, coop.company,
            coop.estate, coop.join_code) == ("Kopkar Sejahtera <Mandiri> & Co", "karyawan", "Cikarang Barat", 1250,
                                             12, None, "PT Maju Jaya Abadi", "MM2100", code)
    assert (await UserRepo(db).get(SARI)).full_name == "Sari"

    await andi.send("/start")
    await andi.press("Bahasa Indonesia")
    await andi.press("Setuju")
    await andi.press("Gabung dengan kode")
    await andi.send("WRONGCOD")
    assert "tidak ditemukan" in andi.last
    await andi.send(code.lower())
    assert "Kode cocok" in andi.last
    await andi.press("Bendahara")
    assert "sudah bergabung" in andi.last
    assert [(m.user_id, m.role) for m in await CooperativeRepo(db).managers(coop.id)] == [(SARI, "ketua"), (1002, "bendahara")]
    await sari.send("/start")
    assert "Selamat datang kembali" in sari.last or coop.name in sari.last


async def test_consent_refused_stores_nothing_but_the_id(app, api):
    eko = Person(app, api, 3001, "Eko")
    await eko.send("/start")
    await eko.press("English")
    await eko.press("don't agree")
    assert "We keep nothing about you" in eko.last
    user = await UserRepo(app.bot_data["services"].db).get(3001)
    assert (user.full_name, user.username, user.has_consented, user.language) == (None, None, False, "en")
    await eko.send("halo, cara rat online?")
    assert "/start" in eko.last


async def test_bad_input_and_stale_buttons_change_nothing(app, api):
    sari = Person(app, api, SARI)
    await register_until_members(sari)
    await app.process_update(sticker_message(app.bot, SARI))
    assert "dalam bentuk" in sari.last
    for typed, answer in (("9" * 5000, "terlalu panjang"), ("banyak sekali", "angka bulat")):
        await sari.send(typed)
        assert answer in sari.last
    kecamatan_question = next(m for m in sari.messages() if "Kecamatan: Cikarang Barat" in m.text)
    assert not kecamatan_question.keyboard  # the answered question lost its buttons
    for data in ("reg:kecamatan:0", "reg:kecamatan:99", "reg:members:" + "x" * 40, "reg"):
        await sari.press_data(data)
        assert sari.answers()[-1] == "Tombol ini sudah tidak berlaku."
    state = await FlowRepo(app.bot_data["services"].db).get(SARI, SARI)
    assert state.step == "members" and state.data["kecamatan"] == "Cikarang Barat"
    await sari.send("120")
    assert "tahun buku" in sari.last.lower()
