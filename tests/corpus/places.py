"""Corpus cases where a location or a button is wanted: /checkin's location and its site, the
place of a report made without a recent check-in, and a report's summary."""

from __future__ import annotations

from tests.corpus.model import (
    QUIET_ACK,
    At,
    Case,
    alerts,
    at_site,
    contact,
    edit_last_text,
    location,
    photo,
    press,
    press_label,
    refused,
    says,
    sticker,
    text,
    venue_at_site,
    voice,
)

# --- the location step of /checkin ----------------------------------------------------------
location_step = At("location")
LOCATION: list[Case] = [
    location_step(
        "forwarded-location",
        at_site(accuracy=5, forwarded=True),
        says("checkin_forwarded_location"),
    ),
    location_step("venue-instead-of-location", venue_at_site(), says("checkin_venue_refused")),
    location_step("location-step-sticker", sticker(), says("checkin_need_location")),
    location_step("location-step-contact", contact(), says("checkin_need_location")),
    location_step("location-step-text", text("我在学校门口"), says("checkin_need_location")),
    location_step("location-step-photo", photo("photo_ok"), says("checkin_need_location")),
    location_step("location-step-voice", voice(), says("checkin_need_location")),
    location_step(
        "location-accuracy-1500m",
        (at_site(accuracy=1500), press_label("★")),
        says("presence.low_accuracy"),
        changes=("visits",),
        stays=False,
        check="visit_low_accuracy",
    ),
    location_step(
        "location-other-country",
        location(48.8584, 2.2945, accuracy=10),
        says("checkin_none_nearby", km="3"),
        stays=False,
    ),
    location_step(
        "location-null-island",
        location(0.0, 0.0, accuracy=10),
        says("checkin_none_nearby", km="3"),
        stays=False,
    ),
    # Coordinates no place on Earth has: refused, nothing stored, still asked for the location.
    location_step(
        "location-latitude-91",
        location(91.0, 120.15, accuracy=10),
        says("checkin_location_invalid"),
    ),
    location_step(
        "location-longitude-181",
        location(30.25, -181.0, accuracy=10),
        says("checkin_location_invalid"),
    ),
    location_step(
        "location-antimeridian-south",
        location(-89.9999, 179.9999, accuracy=10),
        says("checkin_none_nearby", km="3"),
        stays=False,
    ),
]


# --- choosing the site of a check-in -------------------------------------------------------
site = At("site")
SITE: list[Case] = [
    site("site-step-text", text("就是这里"), says("buttons_expected")),
    site("site-step-photo", photo("photo_ok"), says("buttons_expected")),
    site("site-step-forged-site-id", press("ck:{nonce}:site:999999"), refused("button_expired")),
    # A verb no button has, with the right nonce: only a modified client sends it; ignored.
    site("site-step-forged-verb", press("ck:{nonce}:delete:1"), QUIET_ACK),
    site("site-step-other-nonce", press("ck:000000:site:1"), alerts("button_expired")),
]


# --- choosing the place of a report (no recent check-in) ------------------------------------
place = At("place")
PLACE: list[Case] = [
    place("place-step-text", text("学校"), says("buttons_expected")),
    place(
        "place-step-someone-elses-visit",
        press("rp:{nonce}:visit:{others_visit_id}"),
        refused("button_expired"),
    ),
    *(
        place(
            f"place-step-unknown-{kind}",
            press(f"rp:{{nonce}}:{kind}:999999"),
            refused("button_expired"),
        )
        for kind in ("project", "site", "subitem")
    ),
]


# --- the summary of a report ----------------------------------------------------------------
confirm = At("confirm")
CONFIRM: list[Case] = [
    confirm("confirm-step-text", text("确认"), says("buttons_expected")),
    confirm("confirm-step-photo", photo("photo_ok"), says("buttons_expected")),
    confirm("confirm-step-edited-message", edit_last_text("改一下描述"), says("edit_ignored")),
]
