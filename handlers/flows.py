"""Conversation flows (bot/core/conversations.py) for handlers: which journey owns a user's next
private message.

A journey marks a step handler with `@flow(name)`; the application's journey registry
(bot/core/journeys.py) collects them, and the private-message router looks up the user's flow
and calls it. Restarting the bot loses nothing: the state is in `flows`.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.core.journeys import flow
from bot.core.services import get_services
from handlers.common import Context
from storage.flows import FlowState

FlowHandler = Callable[[Update, Context, FlowState], Awaitable[None]]


def flow_handler(context: Context, name: str) -> FlowHandler | None:
    """The step handler of flow `name` in this application's journeys (None: no such flow)."""
    return get_services(context).journeys.flows.get(name)


async def current_flow(update: Update, context: Context) -> FlowState | None:
    if not (update.effective_chat and update.effective_user):
        return None
    return await get_services(context).conversations.current(update.effective_chat.id, update.effective_user.id)


async def start_flow(update: Update, context: Context, name: str, step: str, data: dict | None = None) -> FlowState:
    return await get_services(context).conversations.start(update.effective_chat.id, update.effective_user.id,
                                                           name, step, data)


async def save_flow(context: Context, state: FlowState) -> None:
    await get_services(context).conversations.save(state)


async def end_flow(update: Update, context: Context) -> bool:
    return await get_services(context).conversations.end(update.effective_chat.id, update.effective_user.id)


__all__ = ["FlowHandler", "current_flow", "end_flow", "flow", "flow_handler", "save_flow", "start_flow"]
