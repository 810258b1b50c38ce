"""The bot itself: identity, webhook, command menus, descriptions, menu button."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from .calls import Call
from .errors import bad_request

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


def get_me(call: Call) -> dict:
    return call.world.bot.to_json() | {
        "can_join_groups": True, "can_read_all_group_messages": False,
        "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False,
    }


def acknowledge(call: Call) -> bool:
    """logOut, close: Telegram answers true."""
    return True


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def set_webhook(call: Call) -> bool:
    """Like Telegram, but plain http is accepted for a loopback host (the tests' webhook)."""
    url = call.params.str("url") or ""
    if url and not url.startswith("https://") and not (
            url.startswith("http://") and urlsplit(url).hostname in LOOPBACK_HOSTS):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = call.params.str("secret_token") or ""
    if secret and not _SECRET.match(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    call.world.webhook_url = url
    call.world.webhook_secret = secret
    call.world.signal.notify()
    return True


def delete_webhook(call: Call) -> bool:
    call.world.webhook_url = ""
    call.world.webhook_secret = ""
    if call.params.bool("drop_pending_updates"):
        call.world.updates.clear()
    return True


def get_webhook_info(call: Call) -> dict:
    world = call.world
    return {"url": world.webhook_url, "has_custom_certificate": False,
            "pending_update_count": len(world.updates)}


def _commands_key(call: Call) -> str:
    scope = call.params.json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True) + "|" + (call.params.str("language_code") or "")


def set_my_commands(call: Call) -> bool:
    commands = call.params.json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        description = str(command.get("description", "")) if isinstance(command, dict) else ""
        if not _COMMAND.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    call.world.commands[_commands_key(call)] = commands
    return True


def get_my_commands(call: Call) -> list:
    return call.world.commands.get(_commands_key(call), [])


def delete_my_commands(call: Call) -> bool:
    call.world.commands.pop(_commands_key(call), None)
    return True


def _describer(field: str, limit: int):
    def set_(call: Call) -> bool:
        value = call.params.str(field) or ""
        if len(value) > limit:
            raise bad_request(f"{field.upper()}_INVALID")
        call.world.descriptions[f"{field}|{call.params.str('language_code') or ''}"] = value
        return True

    def get(call: Call) -> dict:
        return {field: call.world.descriptions.get(f"{field}|{call.params.str('language_code') or ''}", "")}

    return set_, get


set_my_description, get_my_description = _describer("description", 512)
set_my_short_description, get_my_short_description = _describer("short_description", 120)
set_my_name, get_my_name = _describer("name", 64)


def set_chat_menu_button(call: Call) -> bool:
    button = call.params.json("menu_button") or {"type": "default"}
    call.world.menu_buttons[call.params.int("chat_id")] = button
    return True


def get_chat_menu_button(call: Call) -> dict:
    return call.world.menu_buttons.get(call.params.int("chat_id"), {"type": "default"})


METHODS = {
    "getMe": get_me,
    "logOut": acknowledge,
    "close": acknowledge,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": set_my_description,
    "getMyDescription": get_my_description,
    "setMyShortDescription": set_my_short_description,
    "getMyShortDescription": get_my_short_description,
    "setMyName": set_my_name,
    "getMyName": get_my_name,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
}
