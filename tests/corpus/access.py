"""Corpus cases about who asks: a stranger, a deputy with nothing open (others' commands, forged
and stale buttons), a deputy in a group chat, liaisons and staff, the raiser of an answered item."""

from __future__ import annotations

from tests.corpus.model import (
    SILENCE,
    At,
    Case,
    alerts,
    at_site,
    contact,
    denies,
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
stranger = At("stranger")
STRANGER: list[Case] = [
    stranger("stranger-start-garbage", text("/start 'OR 1=1;--"), says("start_token_unknown")),
    stranger(
        "stranger-start-64-junk",
        text("/start " + "Zz9_-" * 12 + "xyzw"),
        says("start_token_unknown"),
    ),
    stranger("stranger-start-expired", text("/start {expired_token}"), says("start_token_expired")),
    stranger("stranger-start-reused", text("/start {used_token}"), says("start_token_used")),
    # Anything else they send or press: they are not registered.
    *(
        stranger(id, act, denies(act, "not_registered"))
        for id, act in (
            ("stranger-text", text("你好，我想反映问题")),
            ("stranger-command", text("/problem")),
            ("stranger-button", press("rt:{answered_id}:1:satisfied")),
            ("stranger-photo", photo("photo_ok")),
        )
    ),
]


# --- a deputy with nothing open -------------------------------------------------------------
idle = At("idle")
IDLE: list[Case] = [
    # Whatever opens nothing, from a deputy with nothing open: the bot does not understand.
    *(
        idle(id, act, says("unknown_input"))
        for id, act in (
            ("idle-text", text("在吗？")),
            ("idle-sticker", sticker()),
            ("idle-voice", voice()),
            ("idle-video-note", video_note()),
            ("idle-dice", dice()),
            ("idle-contact", contact()),
            ("idle-location", at_site(accuracy=5)),
            ("idle-live-location-moves", live_location_moves()),
            ("idle-photo", photo("photo_ok")),
            ("idle-unknown-command", text("/drop_table_items")),
        )
    ),
    idle("idle-cancel", text("/cancel"), says("cancel_nothing")),
    idle(
        "idle-start-someone-elses-token",
        text("/start {fresh_token}"),
        says("start_welcome_back", name="{idle_name}"),
    ),
    idle("idle-edited-message", edit_last_text("/problem 改成别的"), says("edit_ignored")),
    *(
        idle(f"deputy-calls-{name}", text(f"/{name}"), says("not_allowed"))
        for name in STAFF_COMMANDS
    ),
    idle("deputy-calls-inbox", text("/inbox"), says("not_allowed")),
    # Junk, forged and stale buttons: whatever the data, the press is answered as expired.
    *(
        idle(id, act, alerts("button_expired"))
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
    idle(
        "deputy-rates-others-item",
        press("rt:{answered_id}:1:satisfied"),
        alerts("rating_not_a_raiser"),
    ),
    idle(
        "deputy-rating-forged-value",
        press("rt:{answered_id}:1:excellent"),
        alerts("button_expired"),
    ),
    idle("deputy-rating-unknown-item", press("rt:999999999:1:satisfied"), alerts("rating_closed")),
    idle("deputy-adds-more-to-others-item", press("am:{asked_id}"), alerts("item_not_yours")),
    idle("deputy-opens-inbox-item", press("ib:{forwarded_id}"), alerts("not_allowed")),
]


# --- group chats ----------------------------------------------------------------------------
group = At("group")
GROUP: list[Case] = [
    group("group-command", in_group(text("/checkin")), says("group_chat_note")),
    group("group-plain-text", in_group(text("大家好，今天下午去学校点位")), SILENCE),
    group("group-location", in_group(at_site(accuracy=5)), SILENCE),
    group("group-photo", in_group(photo("photo_ok")), SILENCE),
    group(
        "group-invitation-not-consumed",
        in_group(text("/start {fresh_token}")),
        says("group_chat_note"),
    ),
    group(
        "group-button", in_group(press("rt:{answered_id}:1:satisfied")), alerts("group_chat_note")
    ),
]


# --- other roles ----------------------------------------------------------------------------
liaison = At("liaison")
staff = At("staff")
OTHER_ROLES: list[Case] = [
    liaison(
        "liaison-opens-other-units-item", press("ib:{forwarded_id}"), alerts("item_not_your_unit")
    ),
    liaison("liaison-opens-huge-id", press("ib:9999999999999"), alerts("button_expired")),
    # A deputy's command or button: not allowed for a liaison or staff.
    *(
        who(id, act, denies(act, "not_allowed"))
        for who, id, act in (
            (liaison, "liaison-presses-rating", press("rt:{answered_id}:1:satisfied")),
            (liaison, "liaison-presses-mine", press("mine:open:{answered_id}")),
            (liaison, "liaison-reports", text("/problem")),
            (staff, "staff-checks-in", text("/checkin")),
            (staff, "staff-presses-rating", press("rt:{answered_id}:1:satisfied")),
            (staff, "staff-opens-inbox-item", press("ib:{forwarded_id}")),
        )
    ),
]


# --- the raiser of an answered item ---------------------------------------------------------
raiser = At("raiser")
RAISER: list[Case] = [
    raiser(
        "raiser-rates-wrong-round", press("rt:{answered_id}:2:satisfied"), alerts("rating_closed")
    ),
    raiser(
        "raiser-rates-round-0", press("rt:{answered_id}:0:dissatisfied"), alerts("rating_closed")
    ),
    raiser(
        "raiser-adds-more-unasked",
        press("am:{answered_id}"),
        alerts("review.more_closed", number="{answered_number}"),
    ),
]
