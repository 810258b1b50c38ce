"""/profil through real Updates: a manager edits their own cooperative, never another's."""
from __future__ import annotations

from tests.e2e.harness import MANAGER_ID, OUTSIDER_ID, seed_cooperative
from tests.handlers.chat import Person


async def test_profile_edit_by_button_and_by_text(app, api):
    db = app.bot_data["services"].db
    coop = await seed_cooperative(db, MANAGER_ID)
    sari = Person(app, api, MANAGER_ID)
    await sari.send("/profil")
    assert coop.name in sari.last and coop.join_code in sari.last
    await sari.press("Jumlah anggota")
    assert "jumlah anggota" in sari.last.lower()
    await sari.send("400 orang")
    assert sari.said("Perubahan disimpan")
    await sari.press("Kecamatan")
    await sari.press("Setu")
    accounts = app.bot_data["services"].accounts
    changed = await accounts.cooperative_of(MANAGER_ID)
    assert (changed.members, changed.kecamatan) == (400, "Setu")


async def test_profile_refuses_strangers_and_forged_buttons(app, api):
    await seed_cooperative(app.bot_data["services"].db, MANAGER_ID)
    eko = Person(app, api, OUTSIDER_ID, "Eko")
    await eko.send("/profil")
    assert "belum terdaftar" in eko.last.lower() or "daftar" in eko.last.lower()
    await eko.press_data("prof:edit:members")  # not a manager: nothing to edit
    sari = Person(app, api, MANAGER_ID)
    await sari.press_data("prof:edit:join_code")  # not an editable field
    await sari.press_data("prof:kecamatan:99")  # no flow at that step
    assert sari.answers()[-3:] == ["Tombol ini sudah tidak berlaku."] * 3
