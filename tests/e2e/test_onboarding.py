"""Onboarding end to end: a restart in the middle of registration, the commands of several
journeys over the real HTTP stack, blocking (Telegram's my_chat_member through polling), an
edited message, and the real bot process. Registering, joining, refusing consent and bad input
are tested at the handler layer: tests/handlers/test_handlers_onboarding.py."""
from __future__ import annotations

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
