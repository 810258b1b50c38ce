"""`python -m bot demo`: the whole bot offline, chatting in this terminal.

The bot runs exactly as in production (same Application, same database code) against the
in-process fake Bot API. The terminal plays the people: Sari the cooperative manager, Budi the
consultant in the staff group, Rina the admin. Piped input works too:
``echo "/start" | python -m bot demo`` prints the bot's answer and exits.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

from bot.emulator import BotMessage, FakeBotApi, FakeGroup, FakeUser

DEMO_TOKEN = "123456:DEMO"
STAFF_CHAT_ID = -1001234567890
MANAGER_ID, CONSULTANT_ID, ADMIN_ID = 1001, 2001, 2002
IDLE_WAIT = 0.6  # seconds of silence that mean "the bot has answered" (piped input)

INTRO = """\
==============================================================
 Klinik Koperasi - demo offline / offline demo
==============================================================
 Bot berjalan penuh di komputer ini dengan Telegram tiruan.
 The whole bot runs on this machine against a fake Telegram.

 Anda sekarang Sari, manajer koperasi. Ketik pesan atau /start.
 You are now Sari, a cooperative manager. Type a message or /start.
 Ketik :bantuan untuk perintah demo / type :bantuan for demo commands.

 Coba / try: /start (daftar) -> "gmn cara rat online min?" -> /konsultasi ->
 :staf (jawab tiket / answer the ticket) -> :manajer -> /rapat, /jadwal,
 /cekkesehatan, /cektatakelola -> :admin -> /siaran
 Pengawasan / supervision (300 koperasi contoh / sample cooperatives):
 :staf -> /risiko, /binaan, /koperasi kopkar, /laporan, /laporan tahun
"""

HELP = """\
Perintah demo / demo commands:
  teks biasa / plain text   kirim sebagai persona sekarang / send as the current persona
  /perintah                 kirim perintah bot / send a bot command
  #N                        tekan tombol N pesan terbaru / press button N of the newest message
  :manajer                  jadi Sari (manajer, chat pribadi) / be Sari (manager, private chat)
  :staf [budi|rina]         jadi konsultan di grup staf / be a consultant in the staff group
  :topik [N]                daftar topik, atau tulis di topik N / list topics, or write in topic N
  :admin                    jadi Rina (admin, chat pribadi) / be Rina (admin, private chat)
  :foto [keterangan]        kirim foto contoh / send a sample photo
  :dokumen [keterangan]     kirim dokumen contoh / send a sample document
  :balas N teks             balas pesan N di grup staf / reply to message N in the staff group
  :bantuan                  daftar ini / this list
  :keluar                   keluar / quit (also Ctrl-D)"""


class DemoTerminal:
    """Prints what the bot sends and turns typed lines into what the personas do."""

    def __init__(self, api: FakeBotApi, manager: FakeUser, consultants: dict[str, FakeUser],
                 admin: FakeUser, staff: FakeGroup, echo: bool, files_dir: Path | None = None) -> None:
        self.api = api
        self.files_dir = files_dir  # where photos and documents the bot sends are saved, to open
        self.manager, self.consultants, self.admin, self.staff = manager, consultants, admin, staff
        self.persona = manager
        self.in_group = False
        self.thread_id: int | None = None
        self.echo = echo  # piped input is not visible on screen, so repeat it
        self._rejections_shown = 0

    # -- output ------------------------------------------------------------------------------
    def where(self, chat_id: int, thread_id: int | None) -> str:
        if chat_id == self.staff.id:
            topic = next((t for t in self.staff.topics if t.thread_id == thread_id), None)
            return f"grup staf > topik {thread_id}: {topic.name}" if topic else "grup staf"
        user = next((u for u in (self.manager, self.admin, *self.consultants.values()) if u.id == chat_id), None)
        return user.first_name if user else str(chat_id)

    def show(self, message: BotMessage) -> None:
        if message.chat_id not in self.known_chats():
            return  # the sample regency's people (bot/supervision/seed.py): not played here
        target = self.where(message.chat_id, message.thread_id)
        if message.deleted:
            print(f"--- Bot -> {target}: pesan #{message.message_id} dihapus / deleted ---", flush=True)
            return
        note = " (diedit / edited)" if message.edited else ""
        print(f"\n--- Bot -> {target} #{message.message_id}{note} ---")
        if message.kind not in ("text", "service"):
            saved = self.save_file(message)
            print(f"[{message.kind}]" + (f" disimpan di / saved to {saved}" if saved else ""))
        if message.text:
            print(message.text)
        number = 0
        for row in message.buttons:
            labels = []
            for label in row:
                number += 1
                labels.append(f"[{number}] {label}")
            print("  " + "   ".join(labels))
        if message.reply_keyboard and not message.edited:
            print("  keyboard: " + " | ".join(" ".join(row) for row in message.reply_keyboard))
        print(flush=True)

    def known_chats(self) -> set[int]:
        return {self.manager.id, self.admin.id, self.staff.id, *(c.id for c in self.consultants.values())}

    def save_file(self, message: BotMessage) -> Path | None:
        """A photo or document the bot sent, written to a file the demo user can open."""
        media = message.raw.get(message.kind) if message.raw else None
        if isinstance(media, list):  # a photo: the largest size
            media = media[-1] if media else None
        record = self.api.world.files.get(media.get("file_id")) if isinstance(media, dict) else None
        if record is None or self.files_dir is None:
            return None
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / f"{message.message_id}-{Path(record.file_name or record.file_path).name}"
        path.write_bytes(record.data)
        return path

    def prompt(self) -> str:
        """Who is typing, so the demo user never wonders: 'Sari (pengurus) > '."""
        if self.persona is self.admin and not self.in_group:
            role = "admin Dinas"
        elif self.persona is self.manager:
            role = "pengurus / manager"
        elif self.persona is self.admin:
            role = "admin, grup staf"
        else:
            role = "konsultan, grup staf"
        topic = f", topik {self.thread_id}" if self.in_group and self.thread_id else ""
        return f"{self.persona.first_name} ({role}{topic})> "

    def show_rejections(self) -> None:
        rejected = self.api.rejected()
        for request in rejected[self._rejections_shown:]:
            print(f"(!) Telegram menolak / rejected {request.method}: {request.description}", flush=True)
        self._rejections_shown = len(rejected)

    # -- input -------------------------------------------------------------------------------
    @property
    def group_target(self) -> dict:
        return {"group": self.staff, "thread_id": self.thread_id} if self.in_group else {}

    def newest_with_buttons(self) -> BotMessage | None:
        if self.in_group:
            thread = self.thread_id if self.staff.forum and self.thread_id else None
            found = self.staff.messages(thread) if thread else self.staff.messages()
        else:
            found = self.persona.messages
        return next((m for m in reversed(found) if m.buttons), None)

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if self.echo:
            print(f"{self.prompt()}{line}", flush=True)
        try:
            return await self._dispatch(line)
        except (LookupError, RuntimeError, ValueError, TimeoutError) as exc:
            print(f"(!) {exc}", flush=True)
        except Exception as exc:  # an ApiError from the emulator, for instance
            print(f"(!) {type(exc).__name__}: {exc}", flush=True)
        return True

    async def _dispatch(self, line: str) -> bool:
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if line.startswith("#") and line[1:].isdigit():
            await self.press(int(line[1:]))
        elif word == ":keluar":
            return False
        elif word == ":bantuan":
            print(HELP, flush=True)
        elif word == ":manajer":
            self.become(self.manager, in_group=False)
        elif word == ":admin":
            self.become(self.admin, in_group=False)
        elif word == ":staf":
            self.become(self.consultants.get(rest.lower() or "budi", self.consultants["budi"]), in_group=True)
        elif word == ":topik":
            self.pick_topic(rest)
        elif word == ":foto":
            await self.persona.send_photo(caption=rest or None, **self.group_target)
        elif word == ":dokumen":
            await self.persona.send_document("laporan-keuangan.pdf", caption=rest or None, **self.group_target)
        elif word == ":balas":
            number, _, text = rest.partition(" ")
            if not number.isdigit() or not text.strip():
                raise ValueError("pakai / use: :balas N teks")
            writer = self.persona if self.in_group else self.consultants["budi"]
            await writer.send_in(self.staff, text.strip(), reply_to=int(number))
        elif line.startswith(":"):
            print(f"(!) perintah tidak dikenal / unknown command {word}; ketik :bantuan", flush=True)
        elif line.startswith("/"):
            await self.persona.command(line, **self.group_target)
        else:
            target = self.group_target
            if target:
                await self.persona.send_in(self.staff, line, thread_id=self.thread_id)
            else:
                await self.persona.send(line)
        return True

    def become(self, persona: FakeUser, in_group: bool) -> None:
        self.persona, self.in_group = persona, in_group
        place = "grup staf / staff group" if in_group else "chat pribadi / private chat"
        print(f"(sekarang / now: {persona.first_name}, {place})", flush=True)
        if in_group and self.staff.forum:
            self.pick_topic("")

    def pick_topic(self, choice: str) -> None:
        if not self.staff.forum:
            print("(grup staf bukan forum / the staff group has no topics)", flush=True)
            return
        live = [t for t in self.staff.topics if not t.deleted]
        if choice.isdigit():
            if int(choice) == 0:
                self.thread_id = None
            elif any(t.thread_id == int(choice) for t in live):
                self.thread_id = int(choice)
            else:
                raise LookupError(f"tidak ada topik / no topic {choice}")
            print(f"(menulis di / writing in: {self.where(self.staff.id, self.thread_id)})", flush=True)
            return
        lines = [f"  {t.thread_id}: {t.name}{' (ditutup / closed)' if t.closed else ''}" for t in live]
        print("topik / topics (:topik N, :topik 0 = umum / general):\n" + ("\n".join(lines) or "  (belum ada / none yet)"),
              flush=True)

    async def press(self, number: int) -> None:
        message = self.newest_with_buttons()
        if message is None:
            raise LookupError("tidak ada pesan bertombol / no message with buttons here")
        flat = [label for row in message.buttons for label in row]
        if not 1 <= number <= len(flat):
            raise LookupError(f"tombol 1-{len(flat)} saja / only buttons 1-{len(flat)}")
        user = self.persona
        answer = await user.press(flat[number - 1], message, group=self.staff if self.in_group else None)
        if answer.text:
            print(f"(popup) {answer.text}", flush=True)


def _start_reader(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Read stdin in a daemon thread (never blocks the loop, never blocks exit); None is EOF."""
    def read() -> None:
        try:
            for line in sys.stdin:
                loop.call_soon_threadsafe(queue.put_nowait, line)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="demo-stdin", daemon=True).start()


async def run_demo(database_path: Path, forum: bool = True) -> None:
    from bot.app import running_application
    from bot.core.settings import Settings

    api = FakeBotApi(token=DEMO_TOKEN)
    url = await api.start()
    try:
        manager = api.add_user(MANAGER_ID, "Sari", username="sari_ksp", language_code="id")
        budi = api.add_user(CONSULTANT_ID, "Budi", username="budi_konsultan")
        rina = api.add_user(ADMIN_ID, "Rina", username="rina_admin")
        staff = api.add_group(STAFF_CHAT_ID, "Klinik Koperasi - Konsultan", forum=forum,
                              members=[budi], admins=[rina])
        terminal = DemoTerminal(api, manager, {"budi": budi, "rina": rina}, rina, staff,
                                echo=not sys.stdin.isatty(), files_dir=database_path.parent / "demo-files")
        api.on_bot_message(terminal.show)
        database_path.parent.mkdir(parents=True, exist_ok=True)
        settings = Settings(_env_file=None, bot_token=DEMO_TOKEN, staff_chat_id=STAFF_CHAT_ID,
                            admin_ids=[ADMIN_ID], database_path=database_path, telegram_api_url=url)
        from bot.supervision.seed import pendamping_ids, seed_demo_database
        await seed_demo_database(database_path, settings)  # a sample regency for /risiko, /laporan...
        for number, user_id in enumerate(pendamping_ids(), 1):
            api.add_user(user_id, f"Pendamping {number}")
        print(INTRO, flush=True)
        async with running_application(settings):
            await api.settle(quiet=0.2)
            terminal.show_rejections()
            queue: asyncio.Queue[str | None] = asyncio.Queue()
            _start_reader(asyncio.get_running_loop(), queue)
            if not terminal.echo:
                print(terminal.prompt(), end="", flush=True)
            while (line := await queue.get()) is not None:
                if not await terminal.handle(line):
                    break
                await api.settle(quiet=IDLE_WAIT if terminal.echo else 0.2)
                terminal.show_rejections()
                if not terminal.echo:
                    print(terminal.prompt(), end="", flush=True)
            await api.settle(quiet=IDLE_WAIT)
            terminal.show_rejections()
        print("Sampai jumpa / goodbye.", flush=True)
    finally:
        await api.stop()
