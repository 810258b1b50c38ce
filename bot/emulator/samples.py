"""Small, valid sample files for users to send (no binary fixtures in the repository)."""

from __future__ import annotations

import struct
import zlib


def sample_png(width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (46, 125, 50)) -> bytes:
    """A solid-colour PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


SAMPLE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
              b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
SAMPLE_VOICE = b"OggS\x00\x02" + bytes(58)
SAMPLE_STICKER = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)
