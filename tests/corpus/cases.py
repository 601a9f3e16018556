"""The bad-input corpus, one line of intent per case.

A case says where the user is (`stage`: see STAGES), what they do (`acts`), the answer they must
get (a catalog key rendered in Chinese, shown in the chat or as a button's alert; or silence) and
which tables may change (`changes`; every other table must be byte for byte as before, and so
must the photo files on disk). tests/test_corpus.py runs every case through the real
Application and the local Bot API.

Strings in `acts` and in expected parameters may name things the stage prepared, as
"{answered_id}"; file and text inputs name a generator in tests/corpus/inputs.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Where a case starts. Each stage is reached once and reused by its cases while they leave the
# user there (a case that moves the user on says `stays=False`).
STAGES = {
    "stranger": "someone who was never invited",
    "idle": "a registered deputy of G01 with no conversation open",
    "description": "a deputy in /problem, asked for the description",
    "photos": "a deputy in /problem, asked for photos",
    "location": "a deputy in /checkin, asked for the location",
    "site": "a deputy in /checkin, shown the sites near the shared location",
    "place": "a deputy in /problem without a recent check-in, shown the projects",
    "confirm": "a deputy in /problem, shown the summary to confirm",
    "comment": "a deputy who has just rated an answer, offered to add a comment",
    "progress": "a liaison of 市卫健委 (health) writing a progress note on a forwarded item",
    "answer": "a liaison of 市卫健委 (health) writing an A-class answer to a forwarded item",
    "group": "a registered deputy writing in a group chat the bot is in",
    "invite_name": "staff in /invite for a deputy of the first group, asked for the name",
    "liaison": "the liaison of 市教育局 (edu), which has no items",
    "staff": "a member of staff",
    "raiser": "the deputy who raised the answered item, before rating it",
}


@dataclass(frozen=True)
class Act:
    """One thing the user does: kind (see test_corpus.perform) and its details."""

    kind: str
    data: str = ""
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expect:
    """The answer: `key` rendered with `params`, in the chat (`via="chat"`), as the pressed
    button's alert (`via="alert"`) or either (`via="any"`); key None means the bot says nothing at all (a pressed button
    is still answered, without text)."""

    key: str | None
    params: dict[str, Any] = field(default_factory=dict)
    via: str = "chat"


@dataclass(frozen=True)
class Case:
    id: str
    stage: str
    acts: tuple[Act, ...]
    expect: Expect
    changes: frozenset[str] = frozenset()
    stays: bool = True
    check: str | None = None  # an extra assertion in test_corpus.CHECKS
    bug: str | None = None  # a known bug: the case is xfail(strict) until it is fixed


# --- what users do ----------------------------------------------------------------------------


def text(value: str) -> Act:
    return Act("text", value)


def text_of(generator: str) -> Act:
    return Act("text", options={"generator": generator})


def document(generator: str, file_name: str = "IMG_0001.jpg", mime: str = "image/jpeg") -> Act:
    return Act("document", generator, {"file_name": file_name, "mime": mime})


def photo(generator: str) -> Act:
    return Act("photo", generator)


def sticker() -> Act:
    return Act("sticker")


def contact() -> Act:
    return Act("contact")


def voice() -> Act:
    return Act("raw", options={"voice": {"duration": 4, "mime_type": "audio/ogg"}})


def video_note() -> Act:
    return Act("raw", options={"video_note": {"duration": 3, "length": 240}})


def dice() -> Act:
    return Act("raw", options={"dice": {"emoji": "🎲", "value": 6}})


def location(lat: float, lon: float, **options: Any) -> Act:
    return Act("location", options={"lat": lat, "lon": lon, **options})


def at_site(**options: Any) -> Act:
    """The location of the first site of group G01 (the stage knows it)."""
    return Act("location", options={"at_site": True, **options})


def venue_at_site() -> Act:
    return Act("venue")


def press(data: str) -> Act:
    """A callback with this data on the user's latest message, as a modified client can send."""
    return Act("press", data)


def press_label(label: str) -> Act:
    return Act("press_label", label)


def press_stale() -> Act:
    """The first button of a keyboard left from an earlier, finished conversation."""
    return Act("press_stale")


def edit_last_text(value: str) -> Act:
    return Act("edit", value)


def live_location_moves() -> Act:
    """A live location is shared and then moves (Telegram sends the moves as edits)."""
    return Act("live")


def in_group(act: Act) -> Act:
    return Act(act.kind, act.data, {**act.options, "group": True})


def says(key: str, **params: Any) -> Expect:
    return Expect(key, params)


def alerts(key: str, **params: Any) -> Expect:
    return Expect(key, params, via="alert")


def refused(key: str, **params: Any) -> Expect:
    """A refusal of a press, as an alert or in the chat: a step that has answered the press
    already (to stop the spinner) can only say it in the chat."""
    return Expect(key, params, via="any")


SILENCE = Expect(None)
# A press answered without a word (the button stops spinning) and nothing else said.
QUIET_ACK = Expect(None, via="alert")


def case(
    id: str,
    stage: str,
    acts: Act | tuple[Act, ...],
    expect: Expect,
    *,
    changes: tuple[str, ...] = (),
    stays: bool = True,
    check: str | None = None,
    bug: str | None = None,
) -> Case:
    assert stage in STAGES, stage
    return Case(
        id,
        stage,
        acts if isinstance(acts, tuple) else (acts,),
        expect,
        frozenset(changes),
        stays,
        check,
        bug,
    )


MIN, MAX = 4, 2000  # [reports] description_min_chars / description_max_chars defaults
STAFF_COMMANDS = ("forward", "export", "tally", "people", "catalog", "invite", "review", "summary")


CASES: list[Case] = [
    # --- someone never invited ------------------------------------------------------------------
    case(
        "stranger-start-garbage", "stranger", text("/start 'OR 1=1;--"), says("start_token_unknown")
    ),
    case(
        "stranger-start-64-junk",
        "stranger",
        text("/start " + "Zz9_-" * 12 + "xyzw"),
        says("start_token_unknown"),
    ),
    case(
        "stranger-start-expired",
        "stranger",
        text("/start {expired_token}"),
        says("start_token_expired"),
    ),
    case(
        "stranger-start-reused", "stranger", text("/start {used_token}"), says("start_token_used")
    ),
    case("stranger-text", "stranger", text("你好，我想反映问题"), says("not_registered")),
    case("stranger-command", "stranger", text("/problem"), says("not_registered")),
    case(
        "stranger-button",
        "stranger",
        press("rt:{answered_id}:1:satisfied"),
        alerts("not_registered"),
    ),
    case("stranger-photo", "stranger", photo("photo_ok"), says("not_registered")),
    # --- a deputy with nothing open -------------------------------------------------------------
    case("idle-text", "idle", text("在吗？"), says("unknown_input")),
    case("idle-sticker", "idle", sticker(), says("unknown_input")),
    case("idle-voice", "idle", voice(), says("unknown_input")),
    case("idle-video-note", "idle", video_note(), says("unknown_input")),
    case("idle-dice", "idle", dice(), says("unknown_input")),
    case("idle-contact", "idle", contact(), says("unknown_input")),
    case("idle-location", "idle", at_site(accuracy=5), says("unknown_input")),
    case("idle-live-location-moves", "idle", live_location_moves(), says("unknown_input")),
    case("idle-photo", "idle", photo("photo_ok"), says("unknown_input")),
    case("idle-unknown-command", "idle", text("/drop_table_items"), says("unknown_input")),
    case("idle-cancel", "idle", text("/cancel"), says("cancel_nothing")),
    case(
        "idle-start-someone-elses-token",
        "idle",
        text("/start {fresh_token}"),
        says("start_welcome_back", name="{idle_name}"),
    ),
    case("idle-edited-message", "idle", edit_last_text("/problem 改成别的"), says("edit_ignored")),
    *(
        case(f"deputy-calls-{name}", "idle", text(f"/{name}"), says("not_allowed"))
        for name in STAFF_COMMANDS
    ),
    case("deputy-calls-inbox", "idle", text("/inbox"), says("not_allowed")),
    case("callback-64-bytes-junk", "idle", press("Q" * 64), alerts("button_expired")),
    case("callback-unicode-junk", "idle", press("\u202e\u200b💣" * 9), alerts("button_expired")),
    case(
        "callback-empty",
        "idle",
        press(""),
        alerts("button_expired"),
    ),
    case(
        "callback-forged-report-nonce",
        "idle",
        press("rp:zzzzzz:confirm:1"),
        alerts("button_expired"),
    ),
    case(
        "callback-forged-hex-nonce-others-item",
        "idle",
        press("rp:abcdef:confirm:{others_id}"),
        alerts("button_expired"),
    ),
    case("callback-stale-conversation", "idle", press_stale(), alerts("button_expired")),
    case(
        "callback-others-item-withdraw",
        "idle",
        press("mine:withdraw_ok:{others_id}"),
        alerts("button_expired"),
    ),
    case(
        "callback-mine-huge-id",
        "idle",
        press("mine:open:99999999999999999999"),
        alerts("button_expired"),
    ),
    case("callback-lang-unknown", "idle", press("lang:xx"), alerts("button_expired")),
    case(
        "deputy-rates-others-item",
        "idle",
        press("rt:{answered_id}:1:satisfied"),
        alerts("rating_not_a_raiser"),
    ),
    case(
        "deputy-rating-forged-value",
        "idle",
        press("rt:{answered_id}:1:excellent"),
        alerts("button_expired"),
    ),
    case(
        "deputy-rating-unknown-item",
        "idle",
        press("rt:999999999:1:satisfied"),
        alerts("rating_closed"),
    ),
    case(
        "deputy-adds-more-to-others-item", "idle", press("am:{asked_id}"), alerts("item_not_yours")
    ),
    case("deputy-opens-inbox-item", "idle", press("ib:{forwarded_id}"), alerts("not_allowed")),
    # --- the description step of /problem -------------------------------------------------------
    case(
        "text-5000-chars",
        "description",
        text_of("text_5000"),
        says("report_description_too_long", max=MAX, got=5000),
    ),
    case(
        "single-word-4000-chars",
        "description",
        text_of("single_word_4000"),
        says("report_description_too_long", max=MAX, got=4000),
    ),
    # Zero-width joiners are kept (emoji sequences and some scripts need them), so this is "no words".
    case(
        "zero-width-only",
        "description",
        text_of("zero_width_only"),
        says("report_description_no_words"),
    ),
    case(
        "rtl-override-short",
        "description",
        text_of("rtl_override_short"),
        says("report_description_too_short", min=MIN, got=2),
    ),
    case("emoji-only", "description", text_of("emoji_only"), says("report_description_no_words")),
    case(
        "whitespace-only",
        "description",
        text_of("whitespace_only"),
        says("report_description_too_short", min=MIN, got=0),
    ),
    # NFC splits U+0344 into two marks: 1 + 3000 code points are counted as 4001 characters.
    case(
        "zalgo-3000-marks",
        "description",
        text_of("zalgo"),
        says("report_description_too_long", max=MAX, got=4001),
    ),
    case(
        "description-photo", "description", photo("photo_ok"), says("report_description_expected")
    ),
    case("description-sticker", "description", sticker(), says("report_description_expected")),
    case("description-voice", "description", voice(), says("report_description_expected")),
    case(
        "description-location",
        "description",
        at_site(accuracy=5),
        says("report_description_expected"),
    ),
    case(
        "description-edited-message",
        "description",
        edit_last_text("/suggest"),
        says("edit_ignored"),
    ),
    case(
        "description-others-confirm-button",
        "description",
        press("rp:abcdef:confirm:{others_id}"),
        alerts("button_expired"),
    ),
    # Accepted texts: stored as typed (cleaned of invisible characters), never executed.
    *(
        case(
            id,
            "description",
            text_of(generator),
            says("report_ask_photos", max=10),
            changes=("items",),
            stays=False,
            check=check,
        )
        for id, generator, check in (
            ("formula-injection-text", "formula_injection", "description_is_input"),
            ("sql-looking-text", "sql_looking", "description_is_input"),
            ("html-looking-text", "html_looking", "description_is_input"),
            ("rtl-sentence", "rtl_sentence", "description_is_cleaned"),
            ("zero-width-inside-text", "zero_width_inside", "description_is_cleaned"),
            ("control-chars-inside-text", "control_chars_inside", "description_is_cleaned"),
            ("astral-cjk-text", "astral_cjk", "description_is_input"),
        )
    ),
    case(
        "html-text-echoed-in-summary",
        "description",
        (text_of("html_looking"), press_label("跳过")),
        says("report_summary_title"),
        changes=("items",),
        stays=False,
        check="summary_shows_text_escaped",
    ),
    # --- the photo step of /problem -------------------------------------------------------------
    case("truncated-jpeg", "photos", document("truncated_jpeg"), says("photo.corrupt")),
    case("truncated-jpeg-as-photo", "photos", photo("truncated_jpeg"), says("photo.corrupt")),
    case(
        "corrupt-png",
        "photos",
        document("corrupt_png", "IMG_0002.png", "image/png"),
        says("photo.corrupt"),
    ),
    case(
        "truncated-png",
        "photos",
        document("truncated_png", "IMG_0003.png", "image/png"),
        says("photo.corrupt"),
    ),
    case(
        "jpeg-header-then-garbage",
        "photos",
        document("garbage_after_jpeg_header"),
        says("photo.corrupt"),
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
    # --- the location step of /checkin ----------------------------------------------------------
    case(
        "forwarded-location",
        "location",
        at_site(accuracy=5, forwarded=True),
        says("checkin_forwarded_location"),
    ),
    case("venue-instead-of-location", "location", venue_at_site(), says("checkin_venue_refused")),
    case("location-step-sticker", "location", sticker(), says("checkin_need_location")),
    case("location-step-contact", "location", contact(), says("checkin_need_location")),
    case("location-step-text", "location", text("我在学校门口"), says("checkin_need_location")),
    case("location-step-photo", "location", photo("photo_ok"), says("checkin_need_location")),
    case("location-step-voice", "location", voice(), says("checkin_need_location")),
    case(
        "location-accuracy-1500m",
        "location",
        (at_site(accuracy=1500), press_label("★")),
        says("presence.low_accuracy"),
        changes=("visits",),
        stays=False,
        check="visit_low_accuracy",
    ),
    case(
        "location-other-country",
        "location",
        location(48.8584, 2.2945, accuracy=10),
        says("checkin_none_nearby", km="3"),
        stays=False,
    ),
    case(
        "location-null-island",
        "location",
        location(0.0, 0.0, accuracy=10),
        says("checkin_none_nearby", km="3"),
        stays=False,
    ),
    # Coordinates no place on Earth has: refused, nothing stored, still asked for the location.
    case(
        "location-latitude-91",
        "location",
        location(91.0, 120.15, accuracy=10),
        says("checkin_location_invalid"),
    ),
    case(
        "location-longitude-181",
        "location",
        location(30.25, -181.0, accuracy=10),
        says("checkin_location_invalid"),
    ),
    case(
        "location-antimeridian-south",
        "location",
        location(-89.9999, 179.9999, accuracy=10),
        says("checkin_none_nearby", km="3"),
        stays=False,
    ),
    # --- choosing the site of a check-in -------------------------------------------------------
    case("site-step-text", "site", text("就是这里"), says("buttons_expected")),
    case("site-step-photo", "site", photo("photo_ok"), says("buttons_expected")),
    case(
        "site-step-forged-site-id",
        "site",
        press("ck:{nonce}:site:999999"),
        refused("button_expired"),
    ),
    # A verb no button has, with the right nonce: only a modified client sends it; ignored.
    case("site-step-forged-verb", "site", press("ck:{nonce}:delete:1"), QUIET_ACK),
    case("site-step-other-nonce", "site", press("ck:000000:site:1"), alerts("button_expired")),
    # --- choosing the place of a report (no recent check-in) ------------------------------------
    case("place-step-text", "place", text("学校"), says("buttons_expected")),
    case(
        "place-step-someone-elses-visit",
        "place",
        press("rp:{nonce}:visit:{others_visit_id}"),
        refused("button_expired"),
    ),
    case(
        "place-step-unknown-project",
        "place",
        press("rp:{nonce}:project:999999"),
        refused("button_expired"),
    ),
    case(
        "place-step-unknown-site",
        "place",
        press("rp:{nonce}:site:999999"),
        refused("button_expired"),
    ),
    case(
        "place-step-unknown-subitem",
        "place",
        press("rp:{nonce}:subitem:999999"),
        refused("button_expired"),
    ),
    # --- the summary of a report ----------------------------------------------------------------
    case("confirm-step-text", "confirm", text("确认"), says("buttons_expected")),
    case("confirm-step-photo", "confirm", photo("photo_ok"), says("buttons_expected")),
    case(
        "confirm-step-edited-message", "confirm", edit_last_text("改一下描述"), says("edit_ignored")
    ),
    # --- the comment after a rating -------------------------------------------------------------
    case(
        "comment-5000-chars",
        "comment",
        text_of("text_5000"),
        says("lifecycle_text_too_long", max=1000),
    ),
    case(
        "comment-emoji-only", "comment", text_of("emoji_only"), says("rating_flow.comment_expected")
    ),
    case(
        "comment-zero-width-only",
        "comment",
        text_of("zero_width_only"),
        says("rating_flow.comment_expected"),
    ),
    case("comment-sticker", "comment", sticker(), says("rating_flow.comment_expected")),
    case(
        "comment-formula-injection",
        "comment",
        text_of("formula_injection"),
        says("rating_flow.comment_saved"),
        changes=("ratings", "outbox"),  # staff are told of the comment (bot/usecases/answers.py)
        stays=False,
    ),
    # --- a liaison's progress note and answer ---------------------------------------------------
    case(
        "progress-5000-chars",
        "progress",
        text_of("text_5000"),
        says("lifecycle_text_too_long", max=2000),
    ),
    case("progress-sticker", "progress", sticker(), says("inbox.text_expected")),
    case(
        "progress-zero-width-only",
        "progress",
        text_of("zero_width_only"),
        says("lifecycle_text_missing"),
    ),
    case(
        "progress-emoji-only",
        "progress",
        text_of("emoji_only"),
        says("lifecycle_text_missing"),
    ),
    case(
        "answer-5000-chars",
        "answer",
        text_of("text_5000"),
        says("lifecycle_text_too_long", max=2000),
    ),
    case("answer-photo-first", "answer", photo("photo_ok"), says("inbox.text_expected")),
    case(
        "answer-zero-width-only",
        "answer",
        text_of("zero_width_only"),
        says("lifecycle_text_missing"),
    ),
    # --- staff inviting someone: the name --------------------------------------------------------
    case("invite-name-5000-chars", "invite_name", text_of("text_5000"), says("invite_bad_name")),
    case("invite-name-sticker", "invite_name", sticker(), says("invite_name_expected")),
    case(
        "invite-name-zero-width-only",
        "invite_name",
        text_of("zero_width_only"),
        says("invite_bad_name"),
    ),
    case(
        "invite-name-html",
        "invite_name",
        text("<b>王</b> & 李"),
        says("invite_created", name="&lt;b&gt;王&lt;/b&gt; &amp; 李", role="人大代表"),
        changes=("persons", "invitations"),
        stays=False,
    ),
    # --- group chats ----------------------------------------------------------------------------
    case("group-command", "group", in_group(text("/checkin")), says("group_chat_note")),
    case("group-plain-text", "group", in_group(text("大家好，今天下午去学校点位")), SILENCE),
    case("group-location", "group", in_group(at_site(accuracy=5)), SILENCE),
    case("group-photo", "group", in_group(photo("photo_ok")), SILENCE),
    case(
        "group-invitation-not-consumed",
        "group",
        in_group(text("/start {fresh_token}")),
        says("group_chat_note"),
    ),
    case(
        "group-button",
        "group",
        in_group(press("rt:{answered_id}:1:satisfied")),
        alerts("group_chat_note"),
    ),
    # --- other roles ----------------------------------------------------------------------------
    case(
        "liaison-opens-other-units-item",
        "liaison",
        press("ib:{forwarded_id}"),
        alerts("item_not_your_unit"),
    ),
    case("liaison-opens-huge-id", "liaison", press("ib:9999999999999"), alerts("button_expired")),
    case(
        "liaison-presses-rating",
        "liaison",
        press("rt:{answered_id}:1:satisfied"),
        alerts("not_allowed"),
    ),
    case(
        "liaison-presses-mine", "liaison", press("mine:open:{answered_id}"), alerts("not_allowed")
    ),
    case("liaison-reports", "liaison", text("/problem"), says("not_allowed")),
    case("staff-checks-in", "staff", text("/checkin"), says("not_allowed")),
    case(
        "staff-presses-rating",
        "staff",
        press("rt:{answered_id}:1:satisfied"),
        alerts("not_allowed"),
    ),
    case("staff-opens-inbox-item", "staff", press("ib:{forwarded_id}"), alerts("not_allowed")),
    # --- the raiser of an answered item ---------------------------------------------------------
    case(
        "raiser-rates-wrong-round",
        "raiser",
        press("rt:{answered_id}:2:satisfied"),
        alerts("rating_closed"),
    ),
    case(
        "raiser-rates-round-0",
        "raiser",
        press("rt:{answered_id}:0:dissatisfied"),
        alerts("rating_closed"),
    ),
    case(
        "raiser-adds-more-unasked",
        "raiser",
        press("am:{answered_id}"),
        alerts("review.more_closed", number="{answered_number}"),
    ),
]
