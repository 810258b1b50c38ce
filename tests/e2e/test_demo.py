"""The terminal demo (python -m bot demo): who you are is always in the prompt, and a photo the
bot sends is saved to a file whose path is printed (issue 11, small slips)."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from telegram import Bot

from bot.demo import DemoTerminal
from bot.emulator.samples import sample_png

ROOT = Path(__file__).resolve().parents[2]


async def test_the_prompt_names_the_persona_and_role(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--database", str(tmp_path / "demo.sqlite3"), env=env, cwd=str(tmp_path),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(b"/start\n:admin\n:staf\n:keluar\n"), timeout=90)
    text = out.decode()
    assert proc.returncode == 0, text[-2000:]
    assert "Sari (pengurus / manager)> /start" in text
    assert "Rina (admin Dinas)> :staf" in text
    assert "(konsultan, grup staf" in text or "Budi (konsultan" in text


async def test_a_photo_the_bot_sends_is_saved_and_its_path_printed(api, tmp_path, capsys):
    sari = api.add_user(1001, "Sari")
    rina = api.add_user(2002, "Rina")
    staff = api.add_group(-1001, "Staf", forum=False, members=[rina])
    terminal = DemoTerminal(api, sari, {"rina": rina}, rina, staff, echo=True, files_dir=tmp_path / "files")
    api.on_bot_message(terminal.show)
    png = sample_png()
    async with Bot(api.token, base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot") as bot:
        await bot.send_photo(sari.id, png, caption="Grafik")
    await api.settle(quiet=0.1)
    printed = capsys.readouterr().out
    assert "[photo] disimpan di / saved to" in printed
    path = Path(printed.split("saved to ", 1)[1].split()[0])
    assert path.exists() and path.read_bytes()[:8] == png[:8]
