"""Generators of the corpus's inputs, made at test time (nothing large is committed).

Each generator is a plain function of no arguments returning bytes (files) or str (texts); the
cases name them, so a case reads as "a truncated JPEG" rather than as a blob.
"""

from __future__ import annotations

import functools
import io
import random
from collections.abc import Callable

from PIL import Image

from tests.images import (
    bomb_png,
    encode,
    fake_heic,
    jpeg_declaring,
    make_bmp,
    make_gif,
    make_heic,
    make_jpeg,
    make_png,
    pattern_image,
    strip_png,
    truncated_jpeg,
)

MB = 1024 * 1024


def corrupt_png() -> bytes:
    """A PNG whose compressed pixels were damaged in transit (its CRCs no longer match)."""
    data = bytearray(make_png(320, 240, pattern_seed=11))
    start = data.index(b"IDAT") + 4
    for offset in range(40, 200, 7):
        data[start + offset] ^= 0x5A
    return bytes(data)


def truncated_png() -> bytes:
    data = make_png(320, 240, pattern_seed=12)
    return data[: len(data) * 2 // 3]


def garbage_after_jpeg_header() -> bytes:
    """Starts like a JPEG, then random bytes: a file a broken upload leaves behind."""
    rng = random.Random(5)
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(rng.randrange(256) for _ in range(4000))


def png_bomb() -> bytes:
    """~110 KB on the wire, 900 megapixels once decoded."""
    return bomb_png()


def jpeg_bomb() -> bytes:
    """A small JPEG whose header claims 60000 x 60000 pixels."""
    return jpeg_declaring(60000, 60000)


def text_renamed_jpg() -> bytes:
    return "这是一份会议纪要，不是照片。\n".encode() * 20


def pdf_renamed_jpg() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def html_renamed_jpg() -> bytes:
    return b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"


def zip_renamed_jpg() -> bytes:
    return b"PK\x03\x04" + bytes(200)


def twenty_five_mb() -> bytes:
    """Over the Bot API's 20 MB download limit; the bot must refuse from the declared size."""
    return b"\xff\xd8\xff\xe1" + bytes(25 * MB)


def empty_file() -> bytes:
    return b""


def strip_1x50000() -> bytes:
    return strip_png(1, 50000)


def tiny_8x8() -> bytes:
    return encode(pattern_image(8, 8), "JPEG")


def heic() -> bytes:
    """An iPhone-style ftyp box followed by junk: HEIF, damaged."""
    return fake_heic()


def heic_photo() -> bytes:
    return make_heic(320, 240, pattern_seed=11)


def heif_avif() -> bytes:
    return fake_heic(brand=b"avif", compatible=(b"avif", b"mif1"))


def gif() -> bytes:
    return make_gif(320, 240)


def bmp() -> bytes:
    return make_bmp(320, 240)


def svg() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect/></svg>'


@functools.cache
def cmyk_jpeg() -> bytes:
    """Print shops and some scanners write CMYK JPEGs; they are real photos."""
    return encode(pattern_image(800, 600, pattern_seed=21).convert("CMYK"), "JPEG", quality=85)


def png_16_bit() -> bytes:
    return make_png(640, 480, mode="I;16", pattern_seed=22)


def png_with_alpha() -> bytes:
    return make_png(640, 480, mode="RGBA", pattern_seed=23)


def png_as_jpg() -> bytes:
    """A PNG under a .jpg name: the content decides, not the name."""
    return make_png(640, 480, pattern_seed=24)


def photo_ok() -> bytes:
    return make_jpeg(800, 600, pattern_seed=25)


def progressive_jpeg() -> bytes:
    buffer = io.BytesIO()
    pattern_image(800, 600, pattern_seed=26).save(buffer, "JPEG", progressive=True, quality=80)
    return buffer.getvalue()


def jpeg_with_exif_garbage() -> bytes:
    """A valid picture whose EXIF block is nonsense: the photo counts, the EXIF does not."""
    img = Image.new("RGB", (800, 600), (120, 90, 60))
    exif = Image.Exif()
    exif[0x9003] = "\x00\xff garbage date \u202e"  # DateTimeOriginal
    exif[0x0112] = 99  # Orientation out of range
    return encode(img, "JPEG", exif=exif)


# --- texts ------------------------------------------------------------------------------------

VALID = "外立面脚手架已停工两周，现场无施工人员。"


def text_5000() -> str:
    return "很" * 5000


def single_word_4000() -> str:
    return "a" * 4000


def zero_width_only() -> str:
    return "\u200b\u200c\u200d\u2060\ufeff" * 4


def rtl_override_short() -> str:
    return "\u202e\u202d\u2066ab\u2069"


def emoji_only() -> str:
    return "😀🚧🏗️👷‍♂️🔥" * 3


def whitespace_only() -> str:
    return "   \n\t\u3000\u00a0  \n  "


def zalgo() -> str:
    """One letter drowned in 3000 combining marks."""
    return "问" + "\u0301\u0316\u0344" * 1000


def formula_injection() -> str:
    return '=HYPERLINK("http://x","点此")+cmd|\' /C calc\'!A0 路面塌陷约两平方米'


def sql_looking() -> str:
    return "'); DROP TABLE items; -- 校门口雨后积水严重，学生绕行"


def html_looking() -> str:
    return "<b>加粗</b> <script>alert(1)</script> &amp; 排水沟堵塞，需清淤"


def rtl_sentence() -> str:
    return "مشكلة في الصرف الصحي بالقرب من المدرسة \u202e 排水问题"


def zero_width_inside() -> str:
    return "\u200b".join(VALID)


def control_chars_inside() -> str:
    return "路灯\x00不亮\x07已有\x1b两周，夜间\x7f行人摔倒"


def astral_cjk() -> str:
    return "𠀀𠀁𠀂𠀃𠀄 生僻字地名：𡒄𡒄村道路破损"


GENERATORS: dict[str, Callable[[], bytes] | Callable[[], str]] = {
    f.__name__: f
    for f in (
        corrupt_png,
        truncated_png,
        garbage_after_jpeg_header,
        png_bomb,
        jpeg_bomb,
        text_renamed_jpg,
        pdf_renamed_jpg,
        html_renamed_jpg,
        zip_renamed_jpg,
        twenty_five_mb,
        empty_file,
        strip_1x50000,
        tiny_8x8,
        heic,
        heic_photo,
        heif_avif,
        gif,
        bmp,
        svg,
        cmyk_jpeg,
        png_16_bit,
        png_with_alpha,
        png_as_jpg,
        photo_ok,
        progressive_jpeg,
        jpeg_with_exif_garbage,
        truncated_jpeg,
        text_5000,
        single_word_4000,
        zero_width_only,
        rtl_override_short,
        emoji_only,
        whitespace_only,
        zalgo,
        formula_injection,
        sql_looking,
        html_looking,
        rtl_sentence,
        zero_width_inside,
        control_chars_inside,
        astral_cjk,
    )
}
