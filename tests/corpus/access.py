"""Corpus cases about who asks: a stranger, a deputy with nothing open (others' commands, forged
and stale buttons), a deputy in a group chat, liaisons and staff, the raiser of an answered item."""

from __future__ import annotations

from tests.corpus.model import (
    SILENCE,
    Case,
    alerts,
    at_site,
    case,
    contact,
    dice,
    edit_last_text,
    in_group,
    live_location_moves,
    photo,
    press,
    press_stale,
    says,
    sticker,
    text,
    video_note,
    voice,
)

STAFF_COMMANDS = ("forward", "export", "tally", "people", "catalog", "invite", "review", "summary")


# --- someone never invited ------------------------------------------------------------------
STRANGER: list[Case] = [
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
]


# --- a deputy with nothing open -------------------------------------------------------------
IDLE: list[Case] = [
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
    # Junk, forged and stale buttons: whatever the data, the press is answered as expired.
    *(
        case(id, "idle", act, alerts("button_expired"))
        for id, act in (
            ("callback-64-bytes-junk", press("Q" * 64)),
            ("callback-unicode-junk", press("\u202e\u200b💣" * 9)),
            ("callback-empty", press("")),
            ("callback-forged-report-nonce", press("rp:zzzzzz:confirm:1")),
            ("callback-forged-hex-nonce-others-item", press("rp:abcdef:confirm:{others_id}")),
            ("callback-stale-conversation", press_stale()),
            ("callback-others-item-withdraw", press("mine:withdraw_ok:{others_id}")),
            ("callback-mine-huge-id", press("mine:open:99999999999999999999")),
            ("callback-lang-unknown", press("lang:xx")),
        )
    ),
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
]


# --- group chats ----------------------------------------------------------------------------
GROUP: list[Case] = [
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
]


# --- other roles ----------------------------------------------------------------------------
OTHER_ROLES: list[Case] = [
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
]


# --- the raiser of an answered item ---------------------------------------------------------
RAISER: list[Case] = [
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
