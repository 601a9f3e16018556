"""Corpus cases at the photo step of /problem: broken, disguised, oversized and unusual files,
and real photos in unusual shapes, which are taken."""

from __future__ import annotations

from tests.corpus.model import Case, case, contact, document, photo, says, sticker, text, voice

# --- the photo step of /problem -------------------------------------------------------------
PHOTOS: list[Case] = [
    *(
        case(id, "photos", act, says("photo.corrupt"))
        for id, act in (
            ("truncated-jpeg", document("truncated_jpeg")),
            ("truncated-jpeg-as-photo", photo("truncated_jpeg")),
            ("corrupt-png", document("corrupt_png", "IMG_0002.png", "image/png")),
            ("truncated-png", document("truncated_png", "IMG_0003.png", "image/png")),
            ("jpeg-header-then-garbage", document("garbage_after_jpeg_header")),
        )
    ),
    case(
        "png-decompression-bomb",
        "photos",
        document("png_bomb", "IMG_0004.png", "image/png"),
        says("photo.too_many_pixels", max_mp=40),
    ),
    case(
        "jpeg-header-bomb",
        "photos",
        document("jpeg_bomb"),
        says("photo.too_many_pixels", max_mp=40),
    ),
    case("text-renamed-jpg", "photos", document("text_renamed_jpg"), says("photo.not_image")),
    case("pdf-renamed-jpg", "photos", document("pdf_renamed_jpg"), says("photo.not_image")),
    case("html-renamed-jpg", "photos", document("html_renamed_jpg"), says("photo.not_image")),
    case("zip-renamed-jpg", "photos", document("zip_renamed_jpg"), says("photo.not_image")),
    case(
        "file-25-mb",
        "photos",
        document("twenty_five_mb"),
        says("photo.too_big", max_mb=20),
        check="nothing_downloaded",
    ),
    case("file-0-bytes", "photos", document("empty_file"), says("photo.not_image")),
    case(
        "strip-1x50000",
        "photos",
        document("strip_1x50000", "IMG_0005.png", "image/png"),
        says("photo.bad_shape"),
    ),
    case("tiny-8x8", "photos", document("tiny_8x8"), says("photo.bad_shape")),
    case(
        "heic-damaged",
        "photos",
        document("heic", "IMG_0006.HEIC", "image/heic"),
        says("photo.corrupt"),
    ),
    case(
        "avif", "photos", document("heif_avif", "IMG_0007.avif", "image/avif"), says("photo.format")
    ),
    case("gif", "photos", document("gif", "anim.gif", "image/gif"), says("photo.format")),
    case("bmp", "photos", document("bmp", "scan.bmp", "image/bmp"), says("photo.format")),
    case("svg", "photos", document("svg", "drawing.svg", "image/svg+xml"), says("photo.not_image")),
    case(
        "pdf-document",
        "photos",
        document("pdf_renamed_jpg", "report.pdf", "application/pdf"),
        says("photo_not_image"),
    ),
    case("photos-sticker", "photos", sticker(), says("report_photos_expected")),
    case("photos-text", "photos", text("照片稍后补"), says("report_photos_expected")),
    case("photos-contact", "photos", contact(), says("report_photos_expected")),
    case("photos-voice", "photos", voice(), says("report_photos_expected")),
    # Real photos in unusual shapes are taken.
    *(
        case(
            id,
            "photos",
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
    case(
        "same-photo-twice",
        "photos",
        (document("photo_ok", "IMG_0010.jpg"), document("photo_ok", "IMG_0010.jpg")),
        says("photo_saved", count="{photos_next}"),
        changes=("photos", "photo files"),
        check="one_photo_added",
    ),
]
