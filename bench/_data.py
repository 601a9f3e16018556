"""Test data for the benchmarks: a campaign of any size, photos like a phone's, the machine.

The campaign is the Hangzhou example catalog (bot/examples/hangzhou.toml, imported the way the bot
imports it) grown to the size asked for: more groups, sites and people (bench/_cast.py), then a
year of check-ins and items with a realistic spread of statuses, dates (a supervision-week peak in
May and June), projects and categories, raisers and answers. Rows go in with plain sqlite3
`executemany` in one transaction with the secondary indexes dropped and then rebuilt from their
own schema text, so a million items take under a minute instead of an hour; the schema afterwards
is exactly the one the migrations make.

Everything is seeded: the same arguments give the same database.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench._campaign import (
    ANSWERED,
    ANSWERS,
    HANDED_ON,
    STATUS_MIX,
    Built,
    Shape,
    db_time,
    description,
    drop_indexes,
    new_campaign,
)
from bench._cast import add_cast
from bench._machine import ZONE, header
from bot.config import Settings


def populate(db_path: Path, shape: Shape, settings: Settings) -> Built:
    """Grow the imported example campaign in `db_path` to `shape` (blocking; sqlite3)."""
    started = time.perf_counter()
    rng = random.Random(shape.seed)
    conn = sqlite3.connect(db_path, isolation_level=None)
    # Build-time settings only: the bot opens the file in WAL mode with its own pragmas.
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("BEGIN IMMEDIATE")
    campaign_id, year = conn.execute("SELECT id, year FROM campaigns").fetchone()
    created = db_time(datetime(year, 1, 1, 9, tzinfo=ZONE))
    projects = [r[0] for r in conn.execute("SELECT id FROM projects ORDER BY position, code")]
    subitems: dict[int, list[tuple[int, int]]] = {p: [] for p in projects}
    for sid, pid, uid in conn.execute("SELECT id, project_id, unit_id FROM subitems"):
        subitems[pid].append((sid, uid))
    categories = [r[0] for r in conn.execute("SELECT id FROM categories ORDER BY position")]
    units = [r[0] for r in conn.execute("SELECT id FROM units ORDER BY code")]
    # Dropped while loading, rebuilt at the end: compact indexes, minutes faster. The bot's
    # indexes grow row by row instead, their pages scattered through the file; `aged` keeps the
    # items' indexes in place while loading to get that layout (cold reads then seek).
    tables = ["visits", "item_raisers", "responses", "ratings", "photos", "persons"]
    if not shape.aged:
        tables.append("items")
    dropped = drop_indexes(conn, tables)

    cast = add_cast(conn, rng, shape, campaign_id, created, subitems, units)
    groups, site_info, members = cast.groups, cast.sites, cast.members

    # Days of the year, the peak weighted so that it holds peak_share of everything.
    days = [shape.first + timedelta(days=n) for n in range((shape.last - shape.first).days + 1)]
    in_peak = [shape.peak[0] <= d <= shape.peak[1] for d in days]
    peak_days = sum(in_peak) or 1
    off_days = max(1, len(days) - peak_days)
    weights = [
        shape.peak_share / peak_days if p else (1 - shape.peak_share) / off_days for p in in_peak
    ]
    midnights = [datetime(d.year, d.month, d.day, tzinfo=ZONE) for d in days]

    # Check-ins: a member of a group at one of its sites, in working hours.
    n_visits = max(1, int(shape.items / shape.items_per_visit))
    visit_days = rng.choices(range(len(days)), weights=weights, k=n_visits)
    visit_rows = []
    visit_meta = []  # (person, group, site, moment)
    for v, day_index in enumerate(sorted(visit_days)):
        gid = groups[rng.randrange(len(groups))]
        person = rng.choice(members[gid])
        site = rng.choice(cast.group_sites[gid])
        moment = midnights[day_index] + timedelta(seconds=rng.randrange(8 * 3600, 18 * 3600))
        _pid, _sub, _name, lat, lon = site_info[site]
        distance = rng.random() * 300
        on_site = distance < 150
        visit_rows.append(
            (campaign_id, person, site, db_time(moment), lat, lon, 20.0, 0, distance,
             int(on_site), "within_radius" if on_site else "too_far", f"bench:{v}")
        )  # fmt: skip
        visit_meta.append((person, gid, site, moment))
    conn.executemany(
        "INSERT INTO visits (id, campaign_id, person_id, site_id, at, lat, lon, accuracy_m, live, "
        "distance_m, on_site, reason, source_key) VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?,?)",
        visit_rows,
    )
    first_visit = conn.execute("SELECT MIN(id) FROM visits").fetchone()[0]
    del visit_rows

    # Items: raised during a check-in, by the one who checked in, minutes later.
    statuses = [s for s, _ in STATUS_MIX]
    status_weights = [w for _, w in STATUS_MIX]
    picks = rng.choices(statuses, weights=status_weights, k=shape.items)
    pending = []
    for n in range(shape.items):
        v = rng.randrange(n_visits)
        person, gid, site, moment = visit_meta[v]
        submitted = moment + timedelta(seconds=rng.randrange(60, 3600))
        pending.append((submitted, v, picks[n]))
    pending.sort(key=lambda p: p[0])

    item_rows = []
    item_extra = []  # (status, author, unit, kind, submitted, number)
    # The authors' votes on the answers: the rated items' (agreeing with their rating) and half
    # of those still being rated. A generator of their own keeps the rest of the data as it was.
    vote_rng = random.Random(shape.seed + 1)
    vote_rows = []
    number = 0
    for n, (submitted, v, status) in enumerate(pending, start=1):
        person, gid, site, moment = visit_meta[v]
        project, sub, site_name, _lat, _lon = site_info[site]
        if sub is None and subitems[project] and rng.random() < 0.5:
            sub = rng.choice(subitems[project])[0]
        sub_unit = next((u for s, u in subitems[project] if s == sub), None)
        kind = "problem" if rng.random() < 0.45 else "suggestion"
        draft = status == "draft"
        if not draft:
            number += 1
        unit = sub_unit if status in HANDED_ON or status == "reviewed" else None
        if unit is None and status in HANDED_ON:
            unit = rng.choice(units)
        forwarded = submitted + timedelta(days=rng.randint(3, 12)) if status in HANDED_ON else None
        due = forwarded + timedelta(days=91) if forwarded else None
        answered = (
            forwarded + timedelta(days=rng.randint(10, 80))
            if forwarded and status in ANSWERED
            else None
        )
        closed = (
            answered + timedelta(days=rng.randint(5, 25))
            if answered and status == "closed"
            else None
        )
        # As the bot stores them since migration 0014: two working days to sign for (about
        # three calendar days), signed within a few days unless still waiting.
        sign_due = forwarded + timedelta(days=3) if forwarded else None
        signed = (
            forwarded + timedelta(hours=rng.randint(2, 120))
            if forwarded and status != "forwarded"
            else None
        )
        response_class = rng.choice("AAAABBC") if answered else None
        rating = (
            rng.choice(("satisfied", "satisfied", "satisfied", "basically", "dissatisfied"))
            if status in ("rated", "closed")
            else None
        )
        if answered is not None and (rating or vote_rng.random() < 0.5):
            value = rating or vote_rng.choice(("satisfied", "basically", "dissatisfied", "abstain"))
            vote_rows.append((n, person, value, db_time(answered + timedelta(days=2))))
        sub_time = None if draft else db_time(submitted)
        item_rows.append(
            (n, campaign_id, kind, status, None if draft else number, person, gid, first_visit + v,
             site, project, sub, rng.choice(categories) if kind == "problem" else None,
             rng.choice(("normal", "normal", "serious", "grave")) if kind == "problem" else None,
             description(rng, site_name), db_time(submitted - timedelta(minutes=5)), sub_time,
             db_time(closed or answered or forwarded or submitted), unit,
             db_time(forwarded - timedelta(days=1)) if forwarded else None,
             db_time(forwarded) if forwarded else None, db_time(due) if due else None,
             1 if forwarded else 0, response_class, db_time(answered) if answered else None,
             rating, db_time(closed) if closed else None,
             rng.choice(("held", "held", "held", "broken")) if closed and rng.random() < 0.3 else None,
             db_time(sign_due) if sign_due else None, db_time(signed) if signed else None)
        )  # fmt: skip
        item_extra.append((status, person, unit, answered, response_class, sub_time))
    conn.executemany(
        "INSERT INTO items (id, campaign_id, kind, status, number, author_id, group_id, visit_id, "
        "site_id, project_id, subitem_id, category_id, severity, description, created_at, "
        "submitted_at, updated_at, unit_id, reviewed_at, forwarded_at, due_at, round, "
        "response_class, answered_at, rating, closed_at, lookback_result, sign_due_at, signed_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        item_rows,
    )
    del item_rows
    conn.execute("UPDATE campaigns SET next_number = ? WHERE id = ?", (number + 1, campaign_id))

    # Raisers (every submitted item's author; merged items' authors join the item they went
    # into) and the units' answers.
    raiser_rows: list[tuple[int, int, int | None, str]] = []
    response_rows = []
    merged_rows = []
    live = [i for i, e in enumerate(item_extra, start=1) if e[0] not in ("draft", "merged")]
    for item_id, (status, author, unit, answered, response_class, sub_time) in enumerate(
        item_extra, start=1
    ):
        if status == "draft":
            continue
        assert sub_time is not None
        raiser_rows.append((item_id, author, None, sub_time))
        if status == "merged" and live:
            target = live[rng.randrange(len(live))]
            merged_rows.append((target, item_id))
            raiser_rows.append((target, author, item_id, sub_time))
        if answered is not None and response_class is not None:
            response_rows.append(
                (item_id, 1, unit, cast.liaison.get(unit, author), response_class,
                 rng.choice(ANSWERS), db_time(answered))
            )  # fmt: skip
    conn.executemany(
        "INSERT INTO item_raisers (item_id, person_id, via_item_id, added_at) VALUES (?,?,?,?) "
        "ON CONFLICT DO NOTHING",
        raiser_rows,
    )
    conn.executemany("UPDATE items SET merged_into_id = ? WHERE id = ?", merged_rows)
    conn.executemany(
        "INSERT INTO responses (item_id, round, unit_id, person_id, class, text, at) "
        "VALUES (?,?,?,?,?,?,?)",
        response_rows,
    )
    conn.executemany(
        "INSERT INTO ratings (item_id, round, person_id, value, at) VALUES (?, 1, ?, ?, ?)",
        vote_rows,
    )
    del raiser_rows, response_rows, vote_rows

    # Photos: one per listed item (exports), and/or those of one day (summaries).
    photo_rows: list[tuple[Any, ...]] = []

    def photo(item_id: int | None, visit_id: int | None, person: int, thumb: str, at: str) -> None:
        k = len(photo_rows)
        sha = f"{rng.getrandbits(256):064x}"
        photo_rows.append(
            (person, item_id, visit_id, sha, 4000, 3000, 4_000_000,
             f"originals/{sha[:2]}/{sha}.jpg", f"display/{sha[:2]}/{sha}.jpg", thumb,
             rng.getrandbits(64) - (1 << 63), at, f"bench-{k}", at)
        )  # fmt: skip

    if shape.item_thumbs:
        thumbs = iter(shape.item_thumbs)
        for item_id, (status, author, *_rest, sub_time) in enumerate(item_extra, start=1):
            if status in ("draft", "merged", "declined", "withdrawn") or sub_time is None:
                continue
            thumb = next(thumbs, None)
            if thumb is None:
                break
            photo(item_id, None, author, thumb, sub_time)
    pool = shape.photo_thumbs
    for day in shape.photo_days if pool else ():
        start = db_time(datetime(day.year, day.month, day.day, tzinfo=ZONE))
        following = day + timedelta(days=1)
        end = db_time(datetime(following.year, following.month, following.day, tzinfo=ZONE))
        for item_id, (_status, author, *_rest, sub_time) in enumerate(item_extra, start=1):
            if sub_time is not None and start <= sub_time < end:
                for _ in range(1 + (rng.random() < 0.5)):
                    photo(item_id, None, author, rng.choice(pool), sub_time)
        for v, (person, _gid, _site, moment) in enumerate(visit_meta):
            at = db_time(moment)
            if start <= at < end and rng.random() < 0.3:
                photo(None, first_visit + v, person, rng.choice(pool), at)
    conn.executemany(
        "INSERT INTO photos (person_id, item_id, visit_id, sha256, format, width, height, "
        "size_bytes, original_path, display_path, thumb_path, phash, taken_at, gps_lat, gps_lon, "
        "as_file, flags, file_unique_id, received_at, purpose) "
        "VALUES (?,?,?,?,'JPEG',?,?,?,?,?,?,?,?,30.27,120.15,1,'',?,?,'evidence')",
        photo_rows,
    )

    for sql in dropped:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    listed = conn.execute(
        "SELECT COUNT(*) FROM items WHERE number IS NOT NULL AND status NOT IN "
        "('merged', 'declined', 'withdrawn', 'draft')"
    ).fetchone()[0]
    sites = conn.execute("SELECT COUNT(*) FROM sites").fetchone()[0]
    answers = conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    votes = conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0]
    conn.close()
    return Built(
        settings=settings,
        items=shape.items,
        listed=listed,
        visits=n_visits,
        persons=cast.persons,
        groups=len(groups),
        sites=sites,
        photos=len(photo_rows),
        seconds=time.perf_counter() - started,
        answers=answers,
        votes=votes,
    )


async def build(data_dir: Path, shape: Shape) -> Built:
    """A campaign of `shape` in `data_dir` (which must not hold a database yet)."""
    started = time.perf_counter()
    settings = await new_campaign(data_dir, shape.page_size)
    built = populate(settings.storage.database_path, shape, settings)
    built.seconds = time.perf_counter() - started
    return built


@asynccontextmanager
async def built_campaign(title: str, shape_in: Callable[[Path], Shape]) -> AsyncIterator[Built]:
    """How a benchmark on a campaign starts: its header, then the campaign built in a fresh data
    folder (`shape_in` gets the folder, for files the shape names), removed after the block."""
    header(title)
    with tempfile.TemporaryDirectory(prefix="deputy-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        built = await build(data_dir, shape_in(data_dir))
        print(f"data: {built.describe()}")
        yield built
