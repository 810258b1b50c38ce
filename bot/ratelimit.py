"""Keep Telegram's flood limits on our side.

PTB's AIORateLimiter (aiolimiter) is a leaky bucket whose burst equals its rate: (30, 1 s)
lets 30 messages go at once and then 30/s, i.e. up to ~60 in the first second, and (20, 60 s)
up to ~40 in a group's first minute. Telegram counts in sliding windows and answers 429.
A bucket of one message leaking at just under the limit never exceeds a window. It also only
throttles calls that put a message into a chat: a membership check or a button answer must not
queue behind a burst of ticket cards.
"""
from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter

GLOBAL_PER_SECOND = 29.0        # Telegram: about 30 messages/s per bot
GROUP_PER_MINUTE = 19.5         # Telegram: 20 messages/min per group (all forum topics share it)

SENDING_ENDPOINTS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendAudio", "sendVideo",
    "sendAnimation", "sendSticker", "sendMediaGroup", "sendLocation", "sendContact", "sendPoll",
    "sendDice", "sendVideoNote", "sendVenue", "copyMessage", "copyMessages", "forwardMessage",
    "forwardMessages",
})


class TelegramFloodLimiter(AIORateLimiter):
    def __init__(self, max_retries: int = 2) -> None:
        super().__init__(overall_max_rate=1, overall_time_period=1 / GLOBAL_PER_SECOND,
                         group_max_rate=1, group_time_period=60 / GROUP_PER_MINUTE,
                         max_retries=max_retries)

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: int | None) -> Any:
        if endpoint not in SENDING_ENDPOINTS:
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
