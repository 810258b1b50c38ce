"""Smoke test of a deployment: the installed bot, started the way the image / unit starts it,
answers /start against the local fake Bot API, reports healthy, and stops cleanly on SIGTERM.

    python deploy/smoke.py                                   # this checkout's python -m bot
    python deploy/smoke.py --python /opt/klinik-koperasi/.venv/bin/python --uid 10001
    python deploy/smoke.py --image klinik-koperasi           # docker run --network host ...

Run it from a checkout (it needs bot.emulator from there); the bot under test only needs to be
installed. Exit status 0 when every check passed.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.emulator import FakeBotApi  # noqa: E402

TOKEN, STAFF, ADMIN, MANAGER = "123456:SMOKE", -1001234567890, 2002, 1001


def command(args: argparse.Namespace, env: dict[str, str], *bot_args: str) -> list[str]:
    if args.image:
        flags = [f"-e{k}={v}" for k, v in env.items()]
        return ["docker", "run", "--rm", "--network", "host", "-v", f"{args.volume}:/data", *flags,
                args.image, "python", "-m", "bot", *bot_args]
    prefix = ["setpriv", f"--reuid={args.uid}", f"--regid={args.uid}", "--clear-groups"] if args.uid else []
    return [*prefix, args.python, "-m", "bot", *bot_args]


async def main(args: argparse.Namespace) -> int:
    data = Path(args.data or tempfile.mkdtemp(prefix="klinik-smoke-"))
    data.mkdir(parents=True, exist_ok=True)
    if args.uid:
        os.chown(data, args.uid, args.uid)
    api = FakeBotApi(token=TOKEN)
    await api.start()
    sari = api.add_user(MANAGER, "Sari")
    api.add_group(STAFF, "Klinik Koperasi - Staf", members=[api.add_user(ADMIN, "Rina")])
    env = {"BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": str(STAFF), "ADMIN_IDS": str(ADMIN),
           "TELEGRAM_API_URL": api.url, "LOG_FORMAT": "json"}
    if not args.image:
        env.update(DATABASE_PATH=str(data / "klinik.sqlite3"), BACKUP_DIR=str(data / "backups"),
                   MPLCONFIGDIR=str(data / ".matplotlib"))
    child_env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH"}} | env
    failures: list[str] = []
    log = data / "bot.log"
    with open(log, "wb") as out:
        proc = await asyncio.create_subprocess_exec(*command(args, env, "run"), env=child_env, cwd=str(data),
                                                    stdout=out, stderr=asyncio.subprocess.STDOUT)
    try:
        started = time.monotonic()
        while not api.calls("getUpdates"):
            if proc.returncode is not None or time.monotonic() - started > 90:
                raise SystemExit(f"the bot did not start polling:\n{log.read_text()[-3000:]}")
            await asyncio.sleep(0.1)
        print(f"polling after {time.monotonic() - started:.1f} s")
        await sari.command("/start")
        answer = await sari.wait_for(lambda m: "bahasa" in m.text.lower(), timeout=30)
        print(f"/start answered: {answer.text.splitlines()[0]!r}")
        status = await asyncio.create_subprocess_exec(*command(args, env, "status", "--check"), env=child_env,
                                                      cwd=str(data), stdout=asyncio.subprocess.PIPE,
                                                      stderr=asyncio.subprocess.STDOUT)
        report = (await status.communicate())[0].decode()
        print(report)
        if await status.wait() != 0:
            failures.append("status --check (the HEALTHCHECK) failed while the bot runs")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(proc.wait(), 30)
        except asyncio.TimeoutError:
            proc.kill()
            code = await proc.wait()
        await api.stop()
    if code != 0:
        failures.append(f"exit status {code} after SIGTERM")
    print(f"stopped on SIGTERM with exit status {code}; log: {log}")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter with the bot installed")
    parser.add_argument("--uid", type=int, default=0, help="run the bot as this uid/gid (needs root)")
    parser.add_argument("--image", help="a docker image instead of --python")
    parser.add_argument("--volume", default="klinik-smoke", help="docker volume for /data (with --image)")
    parser.add_argument("--data", help="data folder (default: a new temporary one)")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
