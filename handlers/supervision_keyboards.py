"""The supervision journey's keyboards (the card, lists, the visit flow); callback data
"sv:<action>[:<arg>]", read back with parse_callback and re-checked on every press."""
from __future__ import annotations

from bot.core.buttons import Button, Keyboard, callback
from bot.supervision.service import PREFIX
from handlers.common import Context, label
from storage.supervision import VISIT_KINDS


def card_buttons(context: Context, lang_: str, coop_id: int) -> Keyboard:
    return [[Button(label(context, lang_, "supervision.btn_open_ticket"), callback(PREFIX, "tk", coop_id))],
            [Button(label(context, lang_, "supervision.btn_log_visit"), callback(PREFIX, "vs", coop_id)),
             Button(label(context, lang_, "supervision.btn_history"), callback(PREFIX, "hs", coop_id))]]


def list_buttons(items, prefix_action: str = "card") -> Keyboard:
    return [[Button(f"{i}. {a.facts.name}"[:60], callback(PREFIX, prefix_action, a.id))]
            for i, a in enumerate(items, 1)]


def today_button(context: Context, lang_: str) -> Keyboard:
    return [[Button(label(context, lang_, "supervision.btn_today"), callback(PREFIX, "vd", "today"))]]


def kind_buttons(context: Context, lang_: str) -> Keyboard:
    return [[Button(label(context, lang_, "supervision.btn_kind", kind=k), callback(PREFIX, "vk", k))
             for k in VISIT_KINDS]]


def next_button(context: Context, lang_: str) -> Keyboard:
    return [[Button(label(context, lang_, "supervision.btn_next"), callback(PREFIX, "vn"))]]


def save_button(context: Context, lang_: str) -> Keyboard:
    return [[Button(label(context, lang_, "supervision.btn_save"), callback(PREFIX, "vp"))]]
