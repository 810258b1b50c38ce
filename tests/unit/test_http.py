"""PTB's request contract on aiohttp: answers, uploads, and errors mapped to PTB's own."""
import asyncio
import socket

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.core.http import AiohttpRequest

pytestmark = pytest.mark.unit


async def test_send_and_upload_through_the_fake_bot_api(api):
    user = api.add_user(1001, "Sari")
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url,
                   request=AiohttpRequest(), get_updates_request=AiohttpRequest()) as bot:
        sent = await bot.send_message(1001, "<b>halo</b>", parse_mode="HTML")
        photo = await bot.send_photo(1001, b"\x89PNG\r\n\x1a\n" + b"0" * 64, caption="grafik")
        file = await bot.get_file(photo.photo[-1].file_id)
        data = await file.download_as_bytearray()
    assert sent.text == "halo" and [m.kind for m in user.messages] == ["text", "photo"]
    assert bytes(data).startswith(b"\x89PNG")


async def test_slow_server_is_a_timeout_and_no_server_is_a_network_error():
    async def slow(request):
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"http://127.0.0.1:{port}/bot1:x/getMe", "POST")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            free_port = s.getsockname()[1]
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{free_port}/bot1:x/getMe", "POST")
    finally:
        await request.shutdown()
        await runner.cleanup()
