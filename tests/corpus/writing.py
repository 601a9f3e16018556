"""Corpus cases at the steps that ask for a text: a report's description, the comment after a
rating, a liaison's progress note and answer, the name of someone staff invite."""

from __future__ import annotations

from tests.corpus.model import (
    At,
    Case,
    alerts,
    at_site,
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
description = At("description")
DESCRIPTION: list[Case] = [
    description(
        "text-5000-chars",
        text_of("text_5000"),
        says("report_description_too_long", max=MAX, got=5000),
    ),
    description(
        "single-word-4000-chars",
        text_of("single_word_4000"),
        says("report_description_too_long", max=MAX, got=4000),
    ),
    # Zero-width joiners are kept (emoji sequences and some scripts need them), so this is "no words".
    description("zero-width-only", text_of("zero_width_only"), says("report_description_no_words")),
    description(
        "rtl-override-short",
        text_of("rtl_override_short"),
        says("report_description_too_short", min=MIN, got=2),
    ),
    description("emoji-only", text_of("emoji_only"), says("report_description_no_words")),
    description(
        "whitespace-only",
        text_of("whitespace_only"),
        says("report_description_too_short", min=MIN, got=0),
    ),
    # NFC splits U+0344 into two marks: 1 + 3000 code points are counted as 4001 characters.
    description(
        "zalgo-3000-marks", text_of("zalgo"), says("report_description_too_long", max=MAX, got=4001)
    ),
    description("description-photo", photo("photo_ok"), says("report_description_expected")),
    description("description-sticker", sticker(), says("report_description_expected")),
    description("description-voice", voice(), says("report_description_expected")),
    description("description-location", at_site(accuracy=5), says("report_description_expected")),
    description("description-edited-message", edit_last_text("/suggest"), says("edit_ignored")),
    description(
        "description-others-confirm-button",
        press("rp:abcdef:confirm:{others_id}"),
        alerts("button_expired"),
    ),
    # Accepted texts: stored as typed (cleaned of invisible characters), never executed.
    *(
        description(
            id,
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
    description(
        "html-text-echoed-in-summary",
        (text_of("html_looking"), press_label("跳过")),
        says("report_summary_title"),
        changes=("items",),
        stays=False,
        check="summary_shows_text_escaped",
    ),
]


# --- the comment after a rating -------------------------------------------------------------
comment = At("comment")
COMMENT: list[Case] = [
    comment("comment-5000-chars", text_of("text_5000"), says("lifecycle_text_too_long", max=1000)),
    comment("comment-emoji-only", text_of("emoji_only"), says("rating_flow.comment_expected")),
    comment(
        "comment-zero-width-only", text_of("zero_width_only"), says("rating_flow.comment_expected")
    ),
    comment("comment-sticker", sticker(), says("rating_flow.comment_expected")),
    comment(
        "comment-formula-injection",
        text_of("formula_injection"),
        says("rating_flow.comment_saved"),
        changes=("ratings", "outbox"),  # staff are told of the comment (bot/usecases/answers.py)
        stays=False,
    ),
]


# --- a liaison's progress note and answer ---------------------------------------------------
progress = At("progress")
answer = At("answer")
LIAISON: list[Case] = [
    progress(
        "progress-5000-chars", text_of("text_5000"), says("lifecycle_text_too_long", max=2000)
    ),
    progress("progress-sticker", sticker(), says("inbox.text_expected")),
    progress(
        "progress-zero-width-only", text_of("zero_width_only"), says("lifecycle_text_missing")
    ),
    progress("progress-emoji-only", text_of("emoji_only"), says("lifecycle_text_missing")),
    answer("answer-5000-chars", text_of("text_5000"), says("lifecycle_text_too_long", max=2000)),
    answer("answer-photo-first", photo("photo_ok"), says("inbox.text_expected")),
    answer("answer-zero-width-only", text_of("zero_width_only"), says("lifecycle_text_missing")),
]


# --- staff inviting someone: the name --------------------------------------------------------
invite_name = At("invite_name")
INVITE_NAME: list[Case] = [
    invite_name("invite-name-5000-chars", text_of("text_5000"), says("invite_bad_name")),
    invite_name("invite-name-sticker", sticker(), says("invite_name_expected")),
    invite_name("invite-name-zero-width-only", text_of("zero_width_only"), says("invite_bad_name")),
    invite_name(
        "invite-name-html",
        text("<b>王</b> & 李"),
        says("invite_created", name="&lt;b&gt;王&lt;/b&gt; &amp; 李", role="人大代表"),
        changes=("persons", "invitations"),
        stays=False,
    ),
]
