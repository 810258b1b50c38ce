"""Media: uploads (multipart), file ids, albums, getFile."""

from __future__ import annotations

import mimetypes
import struct
from typing import Any

from . import errors as e
from .calls import Call, caption_of, deliver, target_chat
from .errors import bad_request
from .state import FileRecord, World

SEND_KINDS = {
    "sendPhoto": "photo", "sendDocument": "document", "sendVoice": "voice", "sendAudio": "audio",
    "sendVideo": "video", "sendSticker": "sticker", "sendAnimation": "animation",
}
DEFAULT_MIME = {"voice": "audio/ogg", "audio": "audio/mpeg", "video": "video/mp4",
                "animation": "video/mp4"}


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG; a plausible default for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return 1280, 960


def store_upload(world: World, kind: str, data: bytes, filename: str | None,
                 content_type: str | None, params: Any = None) -> FileRecord:
    if not data:
        raise bad_request("file must be non-empty")
    duration = (params.int("duration") if params is not None else None) or 1
    if kind in ("photo", "sticker"):
        width, height = image_size(data) if kind == "photo" else (512, 512)
        record = world.add_file(kind, data, width=width, height=height)
        if kind == "photo":
            scale = 90 / max(width, height, 1)
            record.thumb = world.add_file("photo", data, width=max(1, round(width * scale)),
                                          height=max(1, round(height * scale)))
        return record
    mime = content_type if content_type not in (None, "application/octet-stream") else None
    mime = mime or (mimetypes.guess_type(filename or "")[0] if filename else None) or DEFAULT_MIME.get(kind)
    if kind == "document":
        mime = mime or "application/octet-stream"
    return world.add_file(kind, data, file_name=filename, mime_type=mime, width=640, height=360,
                          duration=duration)


def resolve_input(call: Call, field: str, kind: str, value: str | None = None) -> FileRecord:
    """The file a send method refers to: an upload, attach://name, a URL, or a file_id."""
    params, world = call.params, call.world
    upload = params.files.get(field) if value is None else None
    value = params.str(field) if value is None else value
    if upload is None and value and value.startswith("attach://"):
        upload = params.files.get(value[len("attach://"):])
        if upload is None:
            raise bad_request(f"can't find attached file \"{value[len('attach://'):]}\"")
    if upload is not None:
        return store_upload(world, kind, upload.data, upload.filename, upload.content_type, params)
    if not value:
        raise bad_request(f"there is no {field} in the request")
    if value.startswith(("http://", "https://")):
        name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
        return store_upload(world, kind, value.encode(), name, None, params)
    record = world.files.get(value)
    if record is None:
        raise bad_request(e.WRONG_FILE_ID)
    if record.kind != kind:
        raise bad_request(f"can't use file of type {record.kind.title()} as {kind.title()}")
    return record


def media_field(record: FileRecord) -> dict[str, Any]:
    if record.kind == "photo":
        sizes = [record.thumb.to_json()] if record.thumb else []
        return {"photo": sizes + [record.to_json()]}
    return {record.kind: record.to_json()}


def _sender(kind: str):
    def send(call: Call) -> dict:
        chat = target_chat(call)
        record = resolve_input(call, kind, kind)
        caption, entities = (None, []) if kind == "sticker" else caption_of(call)
        message = deliver(call, chat, media=media_field(record), caption=caption,
                          caption_entities=entities, source=call.params.str("caption"))
        return message.to_json()

    send.__name__ = f"send_{kind}"
    return send


def send_media_group(call: Call) -> list[dict]:
    chat = target_chat(call)
    items = call.params.json("media")
    if not isinstance(items, list) or not 2 <= len(items) <= 10:
        raise bad_request("wrong number of media in the album: it must contain 2-10 items")
    kinds = {item.get("type") for item in items if isinstance(item, dict)}
    if not kinds <= {"photo", "video", "document", "audio"} or len(kinds) == 0:
        raise bad_request("invalid media type in the album")
    if len(kinds) > 1 and kinds & {"document", "audio"}:
        raise bad_request("documents and audio files can be only grouped in an album with items of the same type")
    prepared = []
    for item in items:
        record = resolve_input(call, item["type"], item["type"], value=str(item.get("media", "")))
        caption = item.get("caption")
        mode = item.get("parse_mode") or call.params.str("parse_mode")
        sub = Call(call.world, type(call.params)({"caption": caption, "parse_mode": mode,
                                                   "caption_entities": item.get("caption_entities")}),
                   call.strict_html)
        prepared.append((record, caption_of(sub)))
    group_id = str(13_000_000_000_000_000 + call.world.serial())
    sent = []
    for record, (caption, entities) in prepared:
        message = deliver(call, chat, media=media_field(record), caption=caption,
                          caption_entities=entities, media_group_id=group_id, source=caption)
        sent.append(message.to_json())
    return sent


def get_file(call: Call) -> dict:
    record = call.world.files.get(str(call.params.require("file_id")))
    if record is None:
        raise bad_request(e.INVALID_FILE_ID)
    return {"file_id": record.file_id, "file_unique_id": record.file_unique_id,
            "file_size": len(record.data), "file_path": record.file_path}


METHODS = {name: _sender(kind) for name, kind in SEND_KINDS.items()}
METHODS.update({"sendMediaGroup": send_media_group, "getFile": get_file})
