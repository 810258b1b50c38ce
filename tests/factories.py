"""Real PTB `Update` objects for handler tests run through `app.process_update()`.

The bot in these tests talks to the fake Bot API for its outgoing calls, so a handler's
answers can be read back; incoming updates skip polling and go straight into PTB."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

from telegram import (Bot, CallbackQuery, Chat, ChatMember, ChatMemberUpdated, Message, MessageEntity, Sticker,
                      Update, User)

_ids = itertools.count(1)
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)


def user(user_id: int, first_name: str = "Sari", language_code: str = "id") -> User:
    return User(user_id, first_name, is_bot=False, username=f"{first_name.lower()}_{user_id}",
                language_code=language_code)


def private_chat(user_id: int) -> Chat:
    return Chat(user_id, Chat.PRIVATE)


def text_message(bot: Bot, from_id: int, text: str, chat: Chat | None = None,
                 first_name: str = "Sari", entities: list[MessageEntity] | None = None) -> Update:
    chat = chat or private_chat(from_id)
    if text.startswith("/") and entities is None:
        command = text.split()[0]
        entities = [MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command))]
    msg = Message(next(_ids), NOW, chat, from_user=user(from_id, first_name), text=text, entities=entities)
    msg.set_bot(bot)
    update = Update(next(_ids), message=msg)
    update.set_bot(bot)
    return update


def sticker_message(bot: Bot, from_id: int) -> Update:
    sticker = Sticker("CAACAgIAAx", "uniq", 512, 512, False, False, Sticker.REGULAR)
    msg = Message(next(_ids), NOW, private_chat(from_id), from_user=user(from_id), sticker=sticker)
    msg.set_bot(bot)
    update = Update(next(_ids), message=msg)
    update.set_bot(bot)
    return update


def group_chat(chat_id: int, title: str = "Klinik Koperasi - Staf") -> Chat:
    return Chat(chat_id, Chat.SUPERGROUP, title=title)


def button_press(bot: Bot, from_id: int, data: str, message_id: int = 1, message_text: str = "pertanyaan",
                 chat: Chat | None = None, first_name: str = "Sari") -> Update:
    shown = Message(message_id, NOW, chat or private_chat(from_id), from_user=User(123456, "Klinik", True),
                    text=message_text)
    shown.set_bot(bot)
    query = CallbackQuery(str(next(_ids)), user(from_id, first_name), chat_instance="ci", message=shown, data=data)
    query.set_bot(bot)
    update = Update(next(_ids), callback_query=query)
    update.set_bot(bot)
    return update


def my_chat_member(bot: Bot, from_id: int, old: str, new: str) -> Update:
    """The user blocked ("kicked") or unblocked ("member") the bot in their private chat."""
    bot_user = User(123456, "Klinik", True)
    change = ChatMemberUpdated(private_chat(from_id), user(from_id), NOW,
                               ChatMember(bot_user, old), ChatMember(bot_user, new))
    change.set_bot(bot)
    update = Update(next(_ids), my_chat_member=change)
    update.set_bot(bot)
    return update
