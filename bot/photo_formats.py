"""Telling image formats apart from their first bytes, before Pillow sees them.

Pillow allocates the whole WebP canvas while *opening* a file and warns about big images through
the (process-wide, not thread-safe) warnings machinery, so the declared size is read here and the
pixel guard runs before any decoder does.
"""

from __future__ import annotations

import struct

__all__ = ["EXTENSIONS", "heif_brand", "sniff"]

# HEVC-coded HEIF brands (iPhone photos) and the generic HEIF structural brands. AVIF files carry
# the structural brands too, so those only count when no AVIF brand is present.
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"mif2", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}
# JPEG frame headers; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def heif_brand(data: bytes) -> str | None:
    """The brand that marks `data` as HEIF, read from the ISO-BMFF `ftyp` box, if it is one."""
    if len(data) < 12 or data[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(data[0:4], "big")
    end = min(len(data), max(box_size, 16), 512)  # a real ftyp lists a handful of brands
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, end - 3, 4)}
    if hevc := brands & _HEVC_BRANDS:
        return min(hevc).decode("ascii")
    if brands & _AVIF_BRANDS:
        return None  # AVIF is HEIF too, but needs a different answer: it is just another format
    if generic := brands & _HEIF_BRANDS:
        return min(generic).decode("ascii")
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # image data reached without a frame header
            return None
        if marker in _JPEG_SOF:
            if i + 9 > n:
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        seg_len = int.from_bytes(data[i + 2 : i + 4], "big")
        if seg_len < 2:
            return None
        i += 2 + seg_len
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width = int.from_bytes(data[26:28], "little") & 0x3FFF
        height = int.from_bytes(data[28:30], "little") & 0x3FFF
        return width, height
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def sniff(data: bytes) -> tuple[str, tuple[int, int] | None] | None:
    """Format and declared size of the allowed formats, read without handing data to Pillow.

    Pillow allocates the whole WebP canvas while *opening* a file and warns about big images
    through the (process-wide, not thread-safe) warnings machinery, so the pixel guard has to run
    before Pillow sees the bytes. A size of None means "could not tell"; Pillow decides then.
    """
    if data.startswith(_PNG_SIGNATURE):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return "PNG", (width, height)
        return "PNG", None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP", _webp_size(data)
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG", _jpeg_size(data)
    return None
