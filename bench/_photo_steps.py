"""One photo at a time, without the bot's database: the bench photos, the bare-Pillow floors,
a thread that keeps the GIL busy, and process_photo's steps timed one by one
(bench/photo_ingest.py; bench/photo_variants.py takes the photos)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from PIL import Image, ImageFile

from bench._machine import YEAR
from bench._photos import noise, photo_jpeg
from bot.likeness import dhash, probes, signature
from bot.photos import DEFAULT_POLICY, process_photo

THUMB = (DEFAULT_POLICY.thumb_px, DEFAULT_POLICY.thumb_px)


def photos(count: int, *, width: int = 4000, height: int = 3000) -> list[bytes]:
    """`count` different phone-like JPEGs: different scenes under one shared grain."""
    grain = noise(width, height)
    taken = datetime(YEAR, 6, 2, 10, 30)
    return [
        photo_jpeg(100 + n, width=width, height=height, taken_at=taken, grain=grain)
        for n in range(count)
    ]


def display_size(data: bytes) -> tuple[int, int]:
    """The size of the display copy the bot makes of `data`."""
    with Image.open(io.BytesIO(process_photo(data).display_jpeg)) as im:
        return im.size


def floor_one(data: bytes, size: tuple[int, int]) -> tuple[bytes, bytes]:
    """Bare Pillow, the simplest way to the same display copy (`size`) and thumbnail."""
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", size)  # libjpeg's 1/2-1/4-1/8 scaling, as large as `size` or larger
        im.thumbnail(size)  # only resizes what the decoder did not reduce (Pillow's BICUBIC)
        display = io.BytesIO()
        im.save(display, "JPEG", quality=DEFAULT_POLICY.jpeg_quality)
        im.thumbnail(THUMB)
        thumb = io.BytesIO()
        im.save(thumb, "JPEG", quality=DEFAULT_POLICY.jpeg_quality)
        return display.getvalue(), thumb.getvalue()


@contextlib.contextmanager
def busy_python() -> Iterator[None]:
    """A thread running Python without pause (the worst case of the event loop at the week's
    peak): a thread that lets go of the GIL (a decoder) waits for it each time it wants it back."""
    stop = threading.Event()

    def spin() -> None:
        n = 0
        while not stop.is_set():
            for i in range(2000):
                n += i

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def decode(data: bytes, scale: int, *, block: int | None = None) -> None:
    """Bare Pillow's decode at 1/`scale` (libjpeg's 1, 2, 4 or 8), handing the decoder `block`
    bytes at a time (None: Pillow's default, 64 KB). At 1/8 it is the least any decoder does to
    a JPEG: every coefficient of the file is still entropy-decoded, whatever the library."""
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (im.size[0] // scale, im.size[1] // scale))
        if block is not None:
            assert isinstance(im, ImageFile.ImageFile)
            im.decodermaxblock = block
        im.load()


def ms_each(call: Callable[[bytes], object], datas: list[bytes]) -> list[float]:
    times = []
    for data in datas:
        started = time.perf_counter()
        call(data)
        times.append((time.perf_counter() - started) * 1000)
    return times


def stages(data: bytes) -> dict[str, float]:
    """process_photo's steps one by one, in its order and with its settings (milliseconds)."""
    marks: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        marks[name] = (now - t) * 1000
        t = now

    policy = DEFAULT_POLICY
    with Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"]) as im:
        lap("open + header")
        # process_photo drafts to the smallest display copy allowed (960 px for a 1280 px
        # display copy), then resizes only if the decode scale overshot display_max_px.
        allowed = math.ceil(policy.display_max_px * policy.display_slack)
        scale = allowed / max(im.size)
        drafted = im.draft("RGB", (round(im.size[0] * scale), round(im.size[1] * scale)))
        box = drafted[1] if drafted else None
        assert isinstance(im, ImageFile.ImageFile)
        im.decodermaxblock = max(im.decodermaxblock, len(data))  # one decoder call, as there
        im.load()
        lap(f"decode at {im.size[0]}x{im.size[1]} (draft)")
        exif = im.getexif()
        exif.get_ifd(0x8769)
        exif.get_ifd(0x8825)
        lap("EXIF")
        display: Image.Image = im
        if max(im.size) > policy.display_max_px:
            scale = policy.display_max_px / max(im.size)
            target = (round(im.size[0] * scale), round(im.size[1] * scale))
            display = im.resize(target, Image.Resampling.BICUBIC, box=box, reducing_gap=2.0)
        lap(f"display copy: {display.size[0]}x{display.size[1]}")
        display.info = {}
        buffer = io.BytesIO()
        display.save(buffer, "JPEG", quality=policy.jpeg_quality)
        lap("display copy: JPEG encode")
        thumb = display.resize(
            (THUMB[0], THUMB[0] * display.size[1] // display.size[0]),
            Image.Resampling.BICUBIC,
            reducing_gap=1.0,
        )
        buffer = io.BytesIO()
        thumb.save(buffer, "JPEG", quality=policy.jpeg_quality)
        lap("thumbnail: resize + encode")
        dhash(thumb)
        lap("legacy 64-bit hash")
        signature(thumb)
        probes(thumb)
        lap("near-duplicate signature and probes")
    hashlib.sha256(data).hexdigest()
    lap("SHA-256 (beside the decode in process_photo)")
    return marks
