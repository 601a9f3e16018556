"""Corpus cases at the steps that ask for a text: a report's description, the comment after a
rating, a liaison's progress note and answer, the name of someone staff invite."""

from __future__ import annotations

from tests.corpus.model import (
    Case,
    alerts,
    at_site,
    case,
    edit_last_text,
    photo,
    press,
    press_label,
    says,
    sticker,
    text,
    text_of,
    voice,
)

MIN, MAX = 4, 2000  # [reports] description_min_chars / description_max_chars defaults


# --- the description step of /problem -------------------------------------------------------
DESCRIPTION: list[Case] = [
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
]


# --- the comment after a rating -------------------------------------------------------------
COMMENT: list[Case] = [
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
]


# --- a liaison's progress note and answer ---------------------------------------------------
LIAISON: list[Case] = [
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
]


# --- staff inviting someone: the name --------------------------------------------------------
INVITE_NAME: list[Case] = [
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
]
