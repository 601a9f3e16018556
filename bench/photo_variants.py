"""The photo path's alternatives side by side: time, and quality against today's display copy.

    .venv/bin/python -m bench.photo_variants            # 6 photos x 3 rounds (about a minute)
    .venv/bin/python -m bench.photo_variants --quick    # 2 photos x 1 round

What was measured to choose bot/photos.py's display copy (README "Performance"). Every variant
makes a display copy and a 320 px thumbnail of the same 4000x3000 phone JPEGs (bench.photo_ingest's
photos), JPEG-encoded at quality 85; the variants run interleaved, photo by photo, so that all of
them see the same machine. "process_photo" variants are the bot's whole derivation (EXIF, hashes,
SHA-256 included); the others are the display copy and thumbnail alone.

Quality: SSIM (Wang et al. 2004) on luminance, 7x7 uniform window, of each display copy against
today's display copy (1600 px, shrunk to the variant's size with LANCZOS) and against the ideal one
(the photo decoded at full scale and shrunk with LANCZOS), and of each thumbnail against today's.
The bench photos carry sensor-like grain, which no two resamplings keep alike: the display copies'
figures are lower than for clean pictures, and comparable only with each other. The likeness (bot/likeness.py) of each
variant's near-duplicate probes with today's signature of the same photo says whether photos
stored before still find their copies (1 = the same picture; flagged from 0.77).
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
from PIL import Image

from bench._machine import header, run_main
from bench._photo_steps import photos
from bot.likeness import likeness, probes
from bot.photos import DEFAULT_POLICY, PhotoPolicy, process_photo

Outputs = tuple[bytes, bytes]  # display copy, thumbnail
Variant = Callable[[bytes], Outputs]
Floats = npt.NDArray[np.float64]

TODAY = PhotoPolicy(display_max_px=1600, display_slack=1.0)  # before issue 13
QUALITY = DEFAULT_POLICY.jpeg_quality
_POOL = ThreadPoolExecutor(1)


def ssim(a: Image.Image, b: Image.Image, window: int = 7) -> float:
    """Mean SSIM of two same-sized pictures' luminance (1 = identical)."""
    x = np.asarray(a.convert("L"), np.float64)
    y = np.asarray(b.convert("L"), np.float64)

    def mean(v: Floats) -> Floats:  # window means from an integral image
        c = np.pad(v, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
        w = window
        out: Floats = (c[w:, w:] - c[:-w, w:] - c[w:, :-w] + c[:-w, :-w]) / (w * w)
        return out

    c1, c2, n = (0.01 * 255) ** 2, (0.03 * 255) ** 2, window * window
    mx, my = mean(x), mean(y)
    vx = (mean(x * x) - mx * mx) * n / (n - 1)
    vy = (mean(y * y) - my * my) * n / (n - 1)
    cxy = (mean(x * y) - mx * my) * n / (n - 1)
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(s.mean())


def _jpeg(im: Image.Image) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=QUALITY)
    return buffer.getvalue()


def _fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    scale = edge / max(size)
    return round(size[0] * scale), round(size[1] * scale)


def _halves(im: Image.Image, size: tuple[int, int], method: Image.Resampling) -> Image.Image:
    """resize() in two threads, top and bottom half (Pillow lets go of the GIL while resizing;
    a box resize reads the rows around its box, so the halves meet without a seam)."""
    im.load()  # once, before two threads read it
    mid, cut = size[1] // 2, im.size[1] * (size[1] // 2) / size[1]
    bottom = _POOL.submit(im.resize, (size[0], size[1] - mid), method, (0, cut, *im.size))
    out = Image.new(im.mode, size)
    out.paste(im.resize((size[0], mid), method, (0, 0, im.size[0], cut)), (0, 0))
    out.paste(bottom.result(), (0, mid))
    return out


def pillow(edge: int, method: Image.Resampling, *, split: bool = False) -> Variant:
    """Decode at the scale at or above `edge`, resize to `edge`, thumbnail from the copy."""

    def run(data: bytes) -> Outputs:
        with Image.open(io.BytesIO(data)) as im:
            size = _fit(im.size, edge)
            im.draft("RGB", size)
            display = _halves(im, size, method) if split else im.resize(size, method)
        thumb = display.resize(_fit(size, 320), Image.Resampling.BICUBIC, reducing_gap=1.0)
        return _jpeg(display), _jpeg(thumb)

    return run


def bot(policy: PhotoPolicy) -> Variant:
    def run(data: bytes) -> Outputs:
        photo = process_photo(data, policy)
        return photo.display_jpeg, photo.thumb_jpeg

    return run


def vips(edge: int) -> Variant | None:
    """libvips (pyvips + pyvips-binary, not a dependency): shrink-on-load, then lanczos3."""
    try:
        import pyvips  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None

    def run(data: bytes) -> Outputs:
        image = pyvips.Image.thumbnail_buffer(data, edge, height=edge).copy_memory()
        thumb = image.thumbnail_image(320, height=320)
        display: bytes = image.jpegsave_buffer(Q=QUALITY, keep="none")
        return display, thumb.jpegsave_buffer(Q=QUALITY, keep="none")

    return run


def variants() -> dict[str, Variant]:
    found: dict[str, Variant | None] = {
        "today: process_photo, 1600 px (1/2 + BICUBIC)": bot(TODAY),
        "process_photo, 1280 px exactly (1/2 + BICUBIC)": bot(PhotoPolicy(display_slack=1.0)),
        "process_photo, chosen (1280 px, slack 0.75)": bot(DEFAULT_POLICY),
        "Pillow 1280 px, 1/2 + BILINEAR": pillow(1280, Image.Resampling.BILINEAR),
        "Pillow 1280 px, 1/2 + BICUBIC in 2 threads": pillow(
            1280, Image.Resampling.BICUBIC, split=True
        ),
        "Pillow 1280 px, 1/2 + LANCZOS": pillow(1280, Image.Resampling.LANCZOS),
        "libvips 1280 px, thumbnail_buffer": vips(1280),
    }
    return {name: run for name, run in found.items() if run is not None}


def _open(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.copy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.photo_variants")
    parser.add_argument("--quick", action="store_true", help="2 photos, 1 round")

    async def run(args: argparse.Namespace) -> None:
        count, rounds = (2, 1) if args.quick else (6, 3)
        header(f"bench.photo_variants: {count} photos x {rounds} rounds, interleaved")
        datas = photos(count)
        table = variants()
        for make in table.values():  # warm up
            make(datas[0])
        times: dict[str, list[float]] = {name: [] for name in table}
        for _ in range(rounds):
            for data in datas:
                for name, make in table.items():
                    started = time.perf_counter()
                    make(data)
                    times[name].append((time.perf_counter() - started) * 1000)
        today = [bot(TODAY)(d) for d in datas]
        old_signatures = [process_photo(d, TODAY).signature for d in datas]
        ideal = [_open(d) for d in datas]
        print(
            f"{'variant':<48} {'median':>7} {'min':>6}  size       "
            "SSIM today  ideal  thumb  likeness"
        )
        for name, make in table.items():
            today_s, ideal_s, thumb_s, alike = [], [], [], []
            for data, (old, old_thumb), full, signature in zip(
                datas, today, ideal, old_signatures, strict=True
            ):
                display, thumb = make(data)
                new = _open(display)
                shrunk = _open(old).resize(new.size, Image.Resampling.LANCZOS)
                today_s.append(ssim(new, shrunk))
                ideal_s.append(ssim(new, full.resize(new.size, Image.Resampling.LANCZOS)))
                small, old_small = _open(thumb), _open(old_thumb)
                thumb_s.append(ssim(small, old_small.resize(small.size, Image.Resampling.LANCZOS)))
                alike.append(likeness(probes(small), [signature]))
            print(
                f"{name:<48} {statistics.median(times[name]):7.1f} {min(times[name]):6.1f}  "
                f"{new.size[0]}x{new.size[1]:<5} {statistics.mean(today_s):.4f}  "
                f"{statistics.mean(ideal_s):.4f} {statistics.mean(thumb_s):.4f}  {min(alike):.4f}"
            )
        print("likeness: the variant's thumbnail's probes with today's signature, the lowest")

    return run_main(parser, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
