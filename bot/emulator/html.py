"""Telegram's HTML parse mode, ported from TDLib's ``parse_html`` (td/telegram/MessageEntity.cpp).

The error messages are TDLib's own words; the Bot API prefixes them with
``Bad Request: can't parse entities:``. Offsets in errors are UTF-8 byte offsets, entity offsets
are UTF-16 code units, as on the real server.

One deliberate strictness beyond Telegram (``strict=True``, the default): an ``&`` that does not
start one of the entities Telegram decodes (``&lt; &gt; &amp; &quot;`` and numeric references) is
an error. Telegram shows such text literally, which hides missing escaping of user input
(``AT&T`` passes, ``a&lt;b`` silently becomes ``a<b``); the emulator refuses it instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.telegram_html import ENTITY_TYPES, LANGUAGE_PREFIX, NAMED_ENTITIES, SPOILER_CLASS, TAGS

SUPPORTED_TAGS = TAGS  # the one definition of Telegram's tags (knowledge/telegram_html.py)
_SPACE = " \t\r\n\0\v"

# TDLib's sort order for entities sharing offset and length.
_PRIORITY = {
    "blockquote": 0, "expandable_blockquote": 0, "pre": 11, "code": 20, "text_link": 49,
    "text_mention": 49, "bold": 90, "italic": 91, "underline": 92, "strikethrough": 93,
    "spoiler": 94, "custom_emoji": 99,
}


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; ``str(err)`` is TDLib's message."""


@dataclass
class _Open:
    tag: str
    argument: str
    utf16_offset: int
    text_offset: int  # index into the decoded text, for <a> without href
    expandable: bool = False


def _utf16_len(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


class _Parser:
    def __init__(self, source: str, strict: bool) -> None:
        self.src = source
        self.strict = strict
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[dict] = []
        self.stack: list[_Open] = []

    def at(self, i: int) -> str:
        return self.src[i] if i < len(self.src) else "\0"

    def byte_offset(self, i: int) -> int:
        return len(self.src[:i].encode("utf-8", "surrogatepass"))

    def fail(self, message: str) -> HtmlError:
        return HtmlError(message)

    def decode_entity(self, pos: int) -> tuple[int, int] | None:
        """(code point, position after the entity) or None; mirrors decode_html_entity."""
        end = pos + 1
        value = 0
        if self.at(pos + 1) == "#":
            end += 1
            if self.at(pos + 2) == "x":
                end += 1
                while self.at(end) in "0123456789abcdefABCDEF" and self.at(end) != "\0":
                    value = value * 16 + int(self.at(end), 16)
                    end += 1
            else:
                while self.at(end).isascii() and self.at(end).isdigit():
                    value = value * 10 + int(self.at(end))
                    end += 1
            if value == 0 or value >= 0x10FFFF or end - pos >= 10:
                return None
        else:
            while self.at(end).isascii() and self.at(end).isalpha():
                end += 1
            value = ord(NAMED_ENTITIES.get(self.src[pos + 1 : end], "\0"))
            if not value:
                return None
        if self.at(end) == ";":
            end += 1
        return value, end

    def parse(self) -> tuple[str, list[dict]]:
        i = 0
        n = len(self.src)
        while i < n:
            c = self.src[i]
            if c == "&":
                decoded = self.decode_entity(i)
                if decoded is not None:
                    code, i = decoded
                    self.out.append(chr(code))
                    self.utf16 += 2 if code > 0xFFFF else 1
                    continue
                if self.strict:
                    raise self.fail(
                        f"Unescaped '&' at byte offset {self.byte_offset(i)}; "
                        "write it as &amp; (emulator strict mode)"
                    )
            if c != "<":
                self.out.append(c)
                self.utf16 += 2 if ord(c) > 0xFFFF else 1
                i += 1
                continue
            i = self.end_tag(i) if self.at(i + 1) == "/" else self.start_tag(i)
        if self.stack:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        text = "".join(self.out)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.fail(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            ) from None
        self.entities.sort(key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))
        return text, self.entities

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while self.at(i) not in _SPACE and self.at(i) != ">":
            i += 1
        if self.at(i) == "\0":
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = self.src[begin + 1 : i].lower()
        where = f"at byte offset {self.byte_offset(begin)}"
        if tag not in SUPPORTED_TAGS:
            raise self.fail(f'Unsupported start tag "{tag}" {where}')
        argument = ""
        expandable = False
        while self.at(i) != ">":
            while self.at(i) != "\0" and self.at(i) in _SPACE:
                i += 1
            if self.at(i) == ">":
                break
            name_begin = i
            while self.at(i) not in _SPACE and self.at(i) not in "=>":
                i += 1
            name = self.src[name_begin:i]
            if not name:
                raise self.fail(f'Empty attribute name in the tag "{tag}" {where}')
            while self.at(i) != "\0" and self.at(i) in _SPACE:
                i += 1
            if self.at(i) != "=":
                if self.at(i) == "\0":
                    raise self.fail(f'Unclosed start tag "{tag}" {where}')
                if tag == "blockquote" and name == "expandable":
                    expandable = True
                continue
            i += 1
            while self.at(i) != "\0" and self.at(i) in _SPACE:
                i += 1
            if self.at(i) == "\0":
                raise self.fail(f'Unclosed start tag "{tag}" {where}')
            value, i = self.attribute_value(i)
            if self.at(i) == "\0":
                raise self.fail(f"Unclosed start tag {where}")
            if tag == "a" and name == "href":
                argument = value
            elif tag == "code" and name == "class" and value.startswith(LANGUAGE_PREFIX):
                argument = value[len(LANGUAGE_PREFIX):]
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value
            elif tag == "tg-emoji" and name == "emoji-id":
                argument = value
        if tag == "span" and argument != SPOILER_CLASS:
            raise self.fail(f'Tag "span" must have class "tg-spoiler" {where}')
        self.stack.append(_Open(tag, argument, self.utf16, len(self.out), expandable))
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in "'\"":
            begin = i
            while self.at(i).isascii() and (self.at(i).isalnum() or self.at(i) in ".-") and self.at(i) != "\0":
                i += 1
            if self.at(i) not in _SPACE and self.at(i) != ">":
                raise self.fail(f"Unexpected end of name token at byte offset {self.byte_offset(begin)}")
            return self.src[begin:i].lower(), i
        i += 1
        value: list[str] = []
        while self.at(i) != quote and self.at(i) != "\0":
            if self.at(i) == "&":
                decoded = self.decode_entity(i)
                if decoded is not None:
                    value.append(chr(decoded[0]))
                    i = decoded[1]
                    continue
            value.append(self.at(i))
            i += 1
        if self.at(i) == quote:
            i += 1
        return "".join(value), i

    def end_tag(self, begin: int) -> int:
        where = f"at byte offset {self.byte_offset(begin)}"
        if not self.stack:
            raise self.fail(f"Unexpected end tag {where}")
        i = begin + 2
        while self.at(i) not in _SPACE and self.at(i) != ">":
            i += 1
        end_name = self.src[begin + 2 : i].lower()
        while self.at(i) in _SPACE and self.at(i) != "\0":
            i += 1
        if self.at(i) != ">":
            raise self.fail(f"Unclosed end tag {where}")
        opened = self.stack.pop()
        if end_name and end_name != opened.tag:
            raise self.fail(f'Unmatched end tag {where}, expected "</{opened.tag}>", found "</{end_name}>"')
        self.add_entity(opened)
        return i + 1

    def add_entity(self, opened: _Open) -> None:
        length = self.utf16 - opened.utf16_offset
        if length <= 0:
            return
        entity: dict = {"offset": opened.utf16_offset, "length": length}
        tag = opened.tag
        if tag in ENTITY_TYPES:
            entity["type"] = ENTITY_TYPES[tag]
            if tag == "blockquote" and opened.expandable:
                entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            if not opened.argument.isdigit() or int(opened.argument) == 0:
                raise self.fail("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=opened.argument)
        elif tag == "a":
            url = opened.argument or "".join(self.out[opened.text_offset :])
            if url.startswith("tg://user?id="):
                entity.update(type="text_mention", user={"id": int(url.split("=", 1)[1] or 0),
                                                         "is_bot": False, "first_name": ""})
            elif url and " " not in url:
                entity.update(type="text_link", url=url)
            else:
                return
        elif tag == "pre":
            last = self.entities[-1] if self.entities else None
            if last and last["type"] == "code" and last.get("language") and \
                    (last["offset"], last["length"]) == (entity["offset"], length):
                last["type"] = "pre"
                return
            entity["type"] = "pre"
        elif tag == "code":
            last = self.entities[-1] if self.entities else None
            if last and last["type"] == "pre" and opened.argument and \
                    (last["offset"], last["length"]) == (entity["offset"], length):
                last["language"] = opened.argument
                return
            entity["type"] = "code"
            if opened.argument:
                entity["language"] = opened.argument  # dropped below unless merged into <pre>
        self.entities.append(entity)


def parse_html(source: str, *, strict: bool = True) -> tuple[str, list[dict]]:
    """Decode Telegram HTML into (text, entities) or raise HtmlError with TDLib's wording."""
    text, entities = _Parser(source, strict).parse()
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return text, entities


def html_to_text(source: str) -> str:
    """Readable text of HTML for display (lenient: never raises)."""
    try:
        return parse_html(source, strict=False)[0]
    except HtmlError:
        return source
