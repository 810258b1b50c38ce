"""A local fake of the Telegram Bot API for the end-to-end tests and `python -m bot demo`.

    api = FakeBotApi(token="123456:TEST", limits=Limits())
    url = await api.start()          # TELEGRAM_API_URL for the bot
    sari = api.add_user(1001, "Sari")
    await sari.command("/start")
    reply = await sari.next_message()
    await api.stop()
"""

from .errors import ApiError
from .html import HtmlError, html_to_text, parse_html
from .limits import Limits
from .scenario import GENERAL, FakeGroup, FakeUser, TopicInfo
from .server import FakeBotApi, RecordedRequest
from .views import BotMessage, CallbackAnswer

__all__ = [
    "ApiError",
    "BotMessage",
    "CallbackAnswer",
    "FakeBotApi",
    "FakeGroup",
    "FakeUser",
    "GENERAL",
    "HtmlError",
    "Limits",
    "RecordedRequest",
    "TopicInfo",
    "html_to_text",
    "parse_html",
]
