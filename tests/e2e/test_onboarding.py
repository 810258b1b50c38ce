"""Onboarding end to end: a new manager, a second manager joining with the code, a restart in
the middle of registration, bad input at every kind of step, and the real bot process."""
from __future__ import annotations

import pytest

from storage.cooperatives import CooperativeRepo
from storage.users import UserRepo
from tests.e2e.harness import STAFF_CHAT_ID


def has(fragment: str):
    return lambda m: fragment.lower() in m.text.lower()


async def register_until_members(user) -> str:
    """Language, consent, new cooperative, answers up to the members question."""
    await user.command("/start")
    await user.wait_for(has("pilih bahasa"))
    await user.press("Bahasa Indonesia")
    await user.wait_for(has("Pemberitahuan privasi"))
    await user.press("Setuju")
    await user.wait_for(has("sudah terdaftar di bot ini"))
    await user.press("Daftarkan koperasi baru")
    await user.wait_for(has("nama koperasi"))
    await user.send("Kopkar Sejahtera <Mandiri> & Co")
    await user.wait_for(has("NIK koperasi"))
    await user.press("Lewati")
    await user.wait_for(has("jenis koperasi"))
    await user.press("Koperasi karyawan")
    await user.wait_for(has("perusahaan"))
    await user.send("PT Maju Jaya Abadi")
    await user.wait_for(has("kawasan industri"))
    await user.press("MM2100")
    await user.wait_for(has("kecamatan"))
    await user.press("Cikarang Barat")
    await user.wait_for(has("jumlah anggota"))
    return "ok"


async def finish_registration(user) -> str:
    await user.send("1.250")
    await user.wait_for(has("tahun buku"))
    await user.press("Desember")
    await user.wait_for(has("jabatan Anda"))
    await user.press("Ketua")
    confirm = await user.wait_for(has("Periksa data koperasi"))
    assert "Kopkar Sejahtera &lt;Mandiri&gt; &amp; Co" in confirm.html  # user text escaped, message parsed
    assert "Cikarang Barat" in confirm.text and "Jumlah anggota: 1.250" in confirm.text
    await user.press("Simpan")
    done = await user.wait_for(has("sudah terdaftar"))
    code = done.text.split("Kode gabung untuk pengurus lain: ")[1].split()[0]
    assert len(code) == 8
    return code


async def test_new_manager_then_second_manager_joins(bot, people, api):
    sari, andi = people.sari, people.andi
    await register_until_members(sari)
    code = await finish_registration(sari)

    db = bot.services.db
    coop = await CooperativeRepo(db).cooperative_of(sari.id)
    assert (coop.name, coop.kind, coop.kecamatan, coop.members, coop.fy_end_month, coop.nik) == (
        "Kopkar Sejahtera <Mandiri> & Co", "karyawan", "Cikarang Barat", 1250, 12, None)
    assert coop.company == "PT Maju Jaya Abadi" and coop.estate == "MM2100"
    assert (await UserRepo(db).get(sari.id)).full_name == "Sari"

    await andi.command("/start")
    await andi.wait_for(has("pilih bahasa"))
    await andi.press("Bahasa Indonesia")
    await andi.wait_for(has("Pemberitahuan privasi"))
    await andi.press("Setuju")
    await andi.wait_for(has("sudah terdaftar di bot ini"))
    await andi.press("Gabung dengan kode")
    await andi.wait_for(has("kode gabung"))
    await andi.send("WRONGCOD")
    await andi.wait_for(has("tidak ditemukan"))
    await andi.send(code.lower())
    await andi.wait_for(has("Kode cocok"))
    await andi.press("Bendahara")
    await andi.wait_for(has("sudah bergabung"))
    members = await CooperativeRepo(db).managers(coop.id)
    assert [(m.user_id, m.role) for m in members] == [(sari.id, "ketua"), (andi.id, "bendahara")]
    assert await CooperativeRepo(db).count() == 1
    assert api.rejected() == []


async def test_consent_refused_stores_nothing_but_the_id(bot, people):
    eko = people.eko
    await eko.command("/start")
    await eko.wait_for(has("choose your language"))
    await eko.press("English")
    await eko.wait_for(has("Privacy notice"))
    await eko.press("don't agree")
    await eko.wait_for(has("We keep nothing about you"))
    user = await UserRepo(bot.services.db).get(eko.id)
    assert (user.full_name, user.username, user.has_consented, user.language) == (None, None, False, "en")
    await eko.send("halo, cara rat online?")
    await eko.wait_for(has("/start"))


async def test_restart_mid_registration_loses_nothing(launch, people, api):
    sari = people.sari
    async with launch():
        await register_until_members(sari)
    # the bot stopped with the user at the members question; nothing half-written
    async with launch() as bot:
        assert await CooperativeRepo(bot.services.db).count() == 0
        await sari.command("/start")
        await sari.wait_for(has("lanjutkan pendaftaran"))
        await sari.wait_for(has("jumlah anggota"))
        code = await finish_registration(sari)
        coop = await CooperativeRepo(bot.services.db).cooperative_of(sari.id)
        assert coop.join_code == code and coop.kecamatan == "Cikarang Barat"
    assert api.rejected() == []


async def test_bad_input_gets_a_polite_answer_and_changes_nothing(bot, people, api):
    sari = people.sari
    await register_until_members(sari)
    await sari.send_sticker()
    await sari.wait_for(has("dalam bentuk"))
    await sari.send("9" * 5000)
    await sari.wait_for(has("terlalu panjang"))
    await sari.send("banyak sekali")
    await sari.wait_for(has("angka bulat"))
    # a stale button from an earlier step, and forged callback data
    # the answered question lost its buttons; a press arriving late for it (an old client) is stale
    kecamatan_question = next(m for m in sari.messages if "Kecamatan: Cikarang Barat" in m.text)
    assert kecamatan_question.buttons == []
    answer = await api.press_data(sari, kecamatan_question, "reg:kecamatan:0")
    assert "tidak berlaku" in (answer.text or "")
    answer = await api.press_data(sari, sari.last_message, "reg:kecamatan:99")
    assert "tidak berlaku" in (answer.text or "")
    answer = await api.press_data(sari, sari.last_message, "reg:members:" + "x" * 40)
    assert "tidak berlaku" in (answer.text or "")
    from storage.flows import FlowRepo
    state = await FlowRepo(bot.services.db).get(sari.id, sari.id)
    assert state.step == "members" and state.data["kecamatan"] == "Cikarang Barat"
    await sari.send("120")
    await sari.wait_for(has("tahun buku"))
    assert api.rejected() == []


async def test_commands_profile_privacy_and_staff(bot, people, api):
    sari = people.sari
    await register_until_members(sari)
    await finish_registration(sari)
    await sari.command("/profil")
    await sari.wait_for(has("Kode gabung"))
    await sari.press("Jumlah anggota")
    await sari.wait_for(has("jumlah anggota"))
    await sari.send("400")
    await sari.wait_for(has("Perubahan disimpan"))
    assert (await CooperativeRepo(bot.services.db).cooperative_of(sari.id)).members == 400

    await sari.command("/datasaya")
    export = await sari.wait_for(lambda m: m.document)
    assert export.kind == "document"

    await sari.command("/hapusdata")
    await sari.wait_for(has("Hapus data pribadi"))
    await sari.press("Ya, hapus")
    await sari.wait_for(has("sudah dihapus"))
    user = await UserRepo(bot.services.db).get(sari.id)
    assert user.full_name is None and not user.has_consented
    assert await CooperativeRepo(bot.services.db).membership(sari.id) is None
    assert await CooperativeRepo(bot.services.db).count() == 1  # the cooperative's record stays

    await people.budi.command("/staf", group=people.staff)
    who = await people.staff.wait_for(has("Budi"))
    assert "Konsultan (anggota grup staf): ya" in who.text and "Admin Dinas: tidak" in who.text
    await people.rina.command("/staf", group=people.staff)
    who = await people.staff.wait_for(has("Rina"))
    assert "Admin Dinas: ya" in who.text
    menus = api.calls("setMyCommands")
    assert any(str(STAFF_CHAT_ID) in str(c.params) for c in menus)
    assert any("all_private_chats" in str(c.params) for c in menus)
    assert api.rejected() == []


async def test_blocked_user_marked_inactive(bot, people, api):
    sari = people.sari
    await register_until_members(sari)
    api.block(sari)
    db = bot.services.db
    for _ in range(100):
        if not (await UserRepo(db).get(sari.id)).is_active:
            break
        import asyncio
        await asyncio.sleep(0.05)
    assert (await UserRepo(db).get(sari.id)).is_active is False


async def test_real_process_answers_start_with_no_rejected_request(bot_process, people, api):
    proc = bot_process()
    await proc.start()
    await people.sari.command("/start")
    reply = await people.sari.wait_for(has("pilih bahasa"), timeout=15)
    assert reply.button("Bahasa Indonesia")
    assert await proc.stop() == 0
    assert api.rejected() == [], [str(r) for r in api.rejected()]


async def test_an_edit_is_not_taken_as_the_answer(bot, people):
    sari = people.sari
    await register_until_members(sari)
    typed = await sari.send("350")
    await sari.wait_for(has("tahun buku"))
    await sari.edit(typed, "999")
    await sari.wait_for(has("tidak dikirim ulang"))
    from storage.flows import FlowRepo
    state = await FlowRepo(bot.services.db).get(sari.id, sari.id)
    assert state.step == "fy_end_month" and state.data["members"] == 350
