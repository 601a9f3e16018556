"""Corpus cases at the photo step of /problem: broken, disguised, oversized and unusual files,
and real photos in unusual shapes, which are taken."""

from __future__ import annotations

from tests.corpus.model import At, Case, contact, document, photo, says, sticker, text, voice

# --- the photo step of /problem -------------------------------------------------------------
photos = At("photos")
PHOTOS: list[Case] = [
    *(
        photos(id, act, says("photo.corrupt"))
        for id, act in (
            ("truncated-jpeg", document("truncated_jpeg")),
            ("truncated-jpeg-as-photo", photo("truncated_jpeg")),
            ("corrupt-png", document("corrupt_png", "IMG_0002.png", "image/png")),
            ("truncated-png", document("truncated_png", "IMG_0003.png", "image/png")),
            ("jpeg-header-then-garbage", document("garbage_after_jpeg_header")),
        )
    ),
    photos(
        "png-decompression-bomb",
        document("png_bomb", "IMG_0004.png", "image/png"),
        says("photo.too_many_pixels", max_mp=40),
    ),
    photos("jpeg-header-bomb", document("jpeg_bomb"), says("photo.too_many_pixels", max_mp=40)),
    photos("text-renamed-jpg", document("text_renamed_jpg"), says("photo.not_image")),
    photos("pdf-renamed-jpg", document("pdf_renamed_jpg"), says("photo.not_image")),
    photos("html-renamed-jpg", document("html_renamed_jpg"), says("photo.not_image")),
    photos("zip-renamed-jpg", document("zip_renamed_jpg"), says("photo.not_image")),
    photos(
        "file-25-mb",
        document("twenty_five_mb"),
        says("photo.too_big", max_mb=20),
        check="nothing_downloaded",
    ),
    photos("file-0-bytes", document("empty_file"), says("photo.not_image")),
    photos(
        "strip-1x50000",
        document("strip_1x50000", "IMG_0005.png", "image/png"),
        says("photo.bad_shape"),
    ),
    photos("tiny-8x8", document("tiny_8x8"), says("photo.bad_shape")),
    photos("heic-damaged", document("heic", "IMG_0006.HEIC", "image/heic"), says("photo.corrupt")),
    photos("avif", document("heif_avif", "IMG_0007.avif", "image/avif"), says("photo.format")),
    photos("gif", document("gif", "anim.gif", "image/gif"), says("photo.format")),
    photos("bmp", document("bmp", "scan.bmp", "image/bmp"), says("photo.format")),
    photos("svg", document("svg", "drawing.svg", "image/svg+xml"), says("photo.not_image")),
    photos(
        "pdf-document",
        document("pdf_renamed_jpg", "report.pdf", "application/pdf"),
        says("photo_not_image"),
    ),
    photos("photos-sticker", sticker(), says("report_photos_expected")),
    photos("photos-text", text("照片稍后补"), says("report_photos_expected")),
    photos("photos-contact", contact(), says("report_photos_expected")),
    photos("photos-voice", voice(), says("report_photos_expected")),
    # Real photos in unusual shapes are taken.
    *(
        photos(
            id,
            act,
            says("photo_saved", count="{photos_next}"),
            changes=("photos", "photo files"),
            check="photo_stored",
        )
        for id, act in (
            ("cmyk-jpeg", document("cmyk_jpeg", "scan_cmyk.jpg")),
            ("png-16-bit", document("png_16_bit", "IMG_0008.png", "image/png")),
            ("png-renamed-jpg", document("png_as_jpg")),
            ("heic-iphone-original", document("heic_photo", "IMG_0011.HEIC", "image/heic")),
            ("jpeg-with-garbage-exif", document("jpeg_with_exif_garbage", "IMG_0009.jpg")),
        )
    ),
    photos(
        "same-photo-twice",
        (document("photo_ok", "IMG_0010.jpg"), document("photo_ok", "IMG_0010.jpg")),
        says("photo_saved", count="{photos_next}"),
        changes=("photos", "photo files"),
        check="one_photo_added",
    ),
]
