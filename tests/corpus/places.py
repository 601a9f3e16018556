"""Corpus cases where a location or a button is wanted: /checkin's location and its site, the
place of a report made without a recent check-in, and a report's summary."""

from __future__ import annotations

from tests.corpus.model import (
    QUIET_ACK,
    Case,
    alerts,
    at_site,
    case,
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
LOCATION: list[Case] = [
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
]


# --- choosing the site of a check-in -------------------------------------------------------
SITE: list[Case] = [
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
]


# --- choosing the place of a report (no recent check-in) ------------------------------------
PLACE: list[Case] = [
    case("place-step-text", "place", text("学校"), says("buttons_expected")),
    case(
        "place-step-someone-elses-visit",
        "place",
        press("rp:{nonce}:visit:{others_visit_id}"),
        refused("button_expired"),
    ),
    *(
        case(
            f"place-step-unknown-{kind}",
            "place",
            press(f"rp:{{nonce}}:{kind}:999999"),
            refused("button_expired"),
        )
        for kind in ("project", "site", "subitem")
    ),
]


# --- the summary of a report ----------------------------------------------------------------
CONFIRM: list[Case] = [
    case("confirm-step-text", "confirm", text("确认"), says("buttons_expected")),
    case("confirm-step-photo", "confirm", photo("photo_ok"), says("buttons_expected")),
    case(
        "confirm-step-edited-message", "confirm", edit_last_text("改一下描述"), says("edit_ignored")
    ),
]
