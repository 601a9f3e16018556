"""What the demo's people do in the chat, and the transcript of what each of them saw.

Shared by the demo's acts (bot/demo_script.py, bot/demo_year.py): every step is sent through the
local Bot API server as a Telegram client would send it, and the bot's answers are printed as
plain text, with their buttons.
"""

from __future__ import annotations

import asyncio
import html
import io
import random
import re
from collections.abc import Callable
from datetime import datetime

from PIL import Image, ImageDraw

from localapi import BotMessage, SimUser

_TAG = re.compile(r"<[^>]+>")


class DemoError(Exception):
    """The demo cannot start, or the bot did not offer what the script expects; says why."""


def plain(text: str | None) -> str:
    return html.unescape(_TAG.sub("", text or ""))


def demo_photo(seed: int, taken_at: datetime, lat: float, lon: float) -> bytes:
    """A stand-in site photo: a JPEG with EXIF time and GPS, as a phone sends it "as a file"."""
    rng = random.Random(seed)
    img = Image.new(
        "RGB", (1600, 1200), (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    )
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = rng.randrange(1500), rng.randrange(1100)
        w, h = rng.randrange(60, 500), rng.randrange(60, 400)
        fill = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle((x, y, x + w, y + h), fill=fill)
    exif = Image.Exif()
    exif[0x0132] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    exif_ifd[0x9011] = "+08:00"

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))

    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if lat >= 0 else "S"), dms(lat)
    gps[3], gps[4] = ("E" if lon >= 0 else "W"), dms(lon)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


class Transcript:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._shown: dict[int, str] = {}
        # Whether the bot has answered everything that reached it (bot/app.py `settled`), once
        # it runs: a step's answers are collected after that, however slow the machine.
        self.settled: Callable[[], bool] = lambda: True

    def say(self, who: str, what: str) -> None:
        line = f"👤 {who}: {what}"
        self.lines.append(line)
        print(line, flush=True)

    def bot(self, events: list[BotMessage]) -> None:
        for event in events:
            if (
                event.edited
                and not event.buttons
                and self._shown.get(event.message_id) == event.text
            ):
                continue  # only the buttons were taken away: nothing new to read
            self._shown[event.message_id] = event.text or ""
            prefix = "🤖 (edited) " if event.edited else "🤖 "
            body = plain(event.text) if event.text else f"[{event.kind}]"
            if event.kind == "document":
                names = ", ".join(n or "?" for n in event.file_names)
                body = f"[文件 {names}] {body if event.text else ''}".strip()
            elif event.files and event.kind != "text":
                body = f"[{len(event.files)} 张图片] {body}".strip()
            lines = body.splitlines() or [""]
            text = "\n   ".join(lines)
            extra = []
            if event.buttons:
                extra.append("buttons: " + " | ".join(event.buttons))
            if event.keyboard:
                extra.append("keyboard: " + " | ".join(event.keyboard))
            line = prefix + text + ("".join(f"\n   ⌨ {e}" for e in extra))
            self.lines.append(line)
            print(line, flush=True)


async def step(t: Transcript, user: SimUser, who: str, what: str) -> list[BotMessage]:
    t.say(who, what)
    # Quiet first: the update has then been fetched (settle waits for that), so `settled` cannot
    # be true before the bot has even seen it.
    events = await user.settle(quiet=0.25, timeout=30)
    async with asyncio.timeout(30):
        # Nothing signals it: the bot's state is read as it stands.
        while not t.settled():  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    # Its answers were sent before it finished: what is left to collect is on the wire.
    events += await user.settle(quiet=0.05, timeout=30)
    t.bot(events)
    return events


async def press(t: Transcript, user: SimUser, who: str, label: str) -> list[BotMessage]:
    await user.press(label)
    return await step(t, user, who, f"[点按] {label}")


async def told(t: Transcript, user: SimUser, who: str) -> list[BotMessage]:
    """What the outbox delivered to someone who did nothing themselves."""
    events = await user.settle(quiet=0.6, timeout=30)
    if events:
        t.say(who, "(收到通知)")
        t.bot(events)
    return events


def first_with(events: list[BotMessage], fragment: str) -> str:
    for event in reversed(events):
        for label in event.buttons:
            if fragment in label:
                return label
    raise DemoError(f"the bot offered no button with {fragment!r}")
