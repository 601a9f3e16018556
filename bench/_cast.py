"""A benchmark campaign's places and people (bench/_data.py grows the rest around them): more
groups, each on one project; more sites per project, around Hangzhou; a leader and deputies per
group, a liaison per unit, a few staff. Rows go in with plain sqlite3 in the caller's
transaction, drawn from the caller's seeded generator."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass

from bench._campaign import GIVEN, SURNAMES, Shape

# A site: (project, sub-item or None, name, lat, lon).
SiteInfo = tuple[int, int | None, str, float, float]


@dataclass(frozen=True)
class Cast:
    groups: list[int]
    sites: dict[int, SiteInfo]
    group_sites: dict[int, list[int]]  # the sites a group supervises
    members: dict[int, list[int]]  # a group's leader and deputies
    liaison: dict[int | None, int]  # unit -> its liaison (an item with no unit: none)
    persons: int


def add_cast(
    conn: sqlite3.Connection,
    rng: random.Random,
    shape: Shape,
    campaign_id: int,
    created: str,
    subitems: dict[int, list[tuple[int, int]]],
    units: list[int],
) -> Cast:
    """Groups, sites and people up to `shape`; `subitems` is project -> [(sub-item, unit)]."""
    projects = list(subitems)
    groups = _groups(conn, shape, campaign_id, projects)
    sites = _sites(conn, rng, shape, campaign_id, subitems)
    group_sites: dict[int, list[int]] = {}
    for gid in groups:
        found = [
            r[0]
            for r in conn.execute(
                "SELECT s.id FROM sites s WHERE s.project_id IN "
                "(SELECT project_id FROM group_projects WHERE group_id = ?) OR s.subitem_id IN "
                "(SELECT si.id FROM subitems si JOIN group_units gu ON gu.unit_id = si.unit_id "
                "WHERE gu.group_id = ?)",
                (gid, gid),
            )
        ]
        group_sites[gid] = found or list(sites)
    persons = _people(conn, rng, shape, campaign_id, created, groups, units)
    members: dict[int, list[int]] = {gid: [] for gid in groups}
    for pid, gid in conn.execute(
        "SELECT id, group_id FROM persons WHERE group_id IS NOT NULL AND campaign_id = ?",
        (campaign_id,),
    ):
        if gid in members:
            members[gid].append(pid)
    liaison = dict(
        conn.execute("SELECT unit_id, id FROM persons WHERE role = 'liaison'").fetchall()
    )
    return Cast(groups, sites, group_sites, members, liaison, persons)


def _groups(
    conn: sqlite3.Connection, shape: Shape, campaign_id: int, projects: list[int]
) -> list[int]:
    """The catalog's groups, then more, each on one project, round the projects."""
    existing = conn.execute("SELECT COUNT(*) FROM groups").fetchone()[0]
    for n in range(existing + 1, shape.groups + 1):
        gid = conn.execute(
            "INSERT INTO groups (campaign_id, code, name) VALUES (?, ?, ?)",
            (campaign_id, f"G{n:03d}", f"第{n}监督小组"),
        ).lastrowid
        conn.execute(
            "INSERT INTO group_projects (group_id, project_id) VALUES (?, ?)",
            (gid, projects[(n - 1) % len(projects)]),
        )
    return [r[0] for r in conn.execute("SELECT id FROM groups ORDER BY code")][: shape.groups]


def _sites(
    conn: sqlite3.Connection,
    rng: random.Random,
    shape: Shape,
    campaign_id: int,
    subitems: dict[int, list[tuple[int, int]]],
) -> dict[int, SiteInfo]:
    """More sites per project, around Hangzhou."""
    site_rows = []
    for pid, subs in subitems.items():
        for n in range(shape.sites_per_project):
            sub = rng.choice(subs)[0] if subs and rng.random() < 0.9 else None
            lat, lon = 30.15 + rng.random() * 0.25, 120.0 + rng.random() * 0.35
            site_rows.append(
                (campaign_id, pid, sub, f"B{pid}-{n}", f"点位{pid}-{n}号", lat, lon, 150.0,
                 "WGS84", lat, lon)
            )  # fmt: skip
    conn.executemany(
        "INSERT INTO sites (campaign_id, project_id, subitem_id, code, name, lat, lon, radius_m, "
        "source_crs, source_lat, source_lon, illustrative) VALUES (?,?,?,?,?,?,?,?,?,?,?,1)",
        site_rows,
    )
    return {
        sid: (pid, sub, name, lat, lon)
        for sid, pid, sub, name, lat, lon in conn.execute(
            "SELECT id, project_id, subitem_id, name, lat, lon FROM sites WHERE campaign_id = ?",
            (campaign_id,),
        )
    }


def _people(
    conn: sqlite3.Connection,
    rng: random.Random,
    shape: Shape,
    campaign_id: int,
    created: str,
    groups: list[int],
    units: list[int],
) -> int:
    """A leader and deputies per group (leaders can be reached: they get summaries), a liaison
    per unit, a few staff; how many."""
    person_rows: list[tuple[int, str, str, int | None, int | None, int, str, str]] = []
    next_tg = 10_000_000
    for gid in groups:
        for n in range(shape.deputies_per_group + 1):
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
            role = "leader" if n == 0 else "deputy"
            next_tg += 1
            person_rows.append((campaign_id, name, role, gid, None, next_tg, created, created))
    for uid in units:
        next_tg += 1
        person_rows.append(
            (campaign_id, f"联络员{uid}", "liaison", None, uid, next_tg, created, created)
        )
    for n in range(3):
        next_tg += 1
        person_rows.append(
            (campaign_id, f"工作人员{n}", "staff", None, None, next_tg, created, created)
        )
    conn.executemany(
        "INSERT INTO persons (campaign_id, name, role, group_id, unit_id, telegram_user_id, "
        "created_at, joined_at) VALUES (?,?,?,?,?,?,?,?)",
        person_rows,
    )
    return len(person_rows)
