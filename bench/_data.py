"""Test data for the benchmarks: a campaign of any size, photos like a phone's, the machine.

The campaign is the Hangzhou example catalog (examples/hangzhou.toml, imported the way the bot
imports it) grown to the size asked for: more groups (each on one project), more sites, deputies,
a year of check-ins and items with a realistic spread of statuses, dates (a supervision-week
peak in May and June), projects and categories, raisers and answers. Rows go in with plain
sqlite3 `executemany` in one transaction with the secondary indexes dropped and then rebuilt
from their own schema text, so a million items take under a minute instead of an hour; the
schema afterwards is exactly the one the migrations make.

Everything is seeded: the same arguments give the same database.
"""

from __future__ import annotations

import io
import os
import platform
import random
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import PIL
from PIL import ExifTags, Image, ImageDraw

from bot.bootstrap import database_of, open_services
from bot.catalog_file import load_catalog
from bot.config import ScheduleSettings, Settings, StorageSettings
from bot.likeness import SIGNATURE_BYTES
from storage.catalog import import_catalog

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "examples" / "hangzhou.toml"
ZONE = ZoneInfo("Asia/Shanghai")
YEAR = 2020  # the example catalog's year

# --- the machine -----------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line saying where a figure was measured (load average included: 2 cores are shared)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} CPUs ({cpu_model()}), Linux {platform.release()}, "
        f"Python {platform.python_version()}, Pillow {PIL.__version__}, "
        f"SQLite {sqlite3.sqlite_version}; load average {load}"
    )


def header(title: str) -> None:
    """Title, machine and the command that produced what follows."""
    print(f"== {title}")
    print(machine())
    module = f"bench.{Path(sys.argv[0]).stem}"
    print(f"command: .venv/bin/python -m {' '.join([module, *sys.argv[1:]])}", flush=True)


def goal(met: bool, text: str) -> None:
    print(f"{'GOAL MET' if met else 'GOAL MISSED'}: {text}", flush=True)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def evict(path: Path) -> bool:
    """Drop a file's pages from the page cache (cold-cache figures without touching others').

    Only this file's clean pages go; nothing system-wide like drop_caches. False where the OS
    has no posix_fadvise.
    """
    if not hasattr(os, "posix_fadvise") or not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return True


# --- photos ----------------------------------------------------------------------------------


def noise(width: int, height: int) -> Image.Image:
    """Sensor-like grain; the expensive part of a scene, so it can be made once and shared."""
    return Image.effect_noise((width, height), 48).convert("RGB")


def scene(width: int, height: int, seed: int, grain: Image.Image | None = None) -> Image.Image:
    """Big shapes under grain: compresses like a photo, not like a drawing.

    Different seeds give clearly different pictures (and perceptual hashes).
    """
    rng = random.Random(seed)
    img = Image.new("RGB", (width, height), (rng.randrange(256), rng.randrange(256), 180))
    draw = ImageDraw.Draw(img)
    for _ in range(24):
        x0, y0 = rng.random() * 0.8 * width, rng.random() * 0.8 * height
        x1, y1 = x0 + (0.1 + rng.random() * 0.4) * width, y0 + (0.1 + rng.random() * 0.4) * height
        fill = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.rectangle if rng.random() < 0.6 else draw.ellipse)((x0, y0, x1, y1), fill=fill)
    return Image.blend(img, grain or noise(width, height), 0.22)


def photo_exif(taken_at: datetime, lat: float, lon: float) -> Image.Exif:
    """What a phone writes: make, model, time with offset, GPS, orientation."""

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))

    exif = Image.Exif()
    stamp = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    exif[ExifTags.Base.Make] = "Bench"
    exif[ExifTags.Base.Model] = "Phone 12MP"
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.Base.DateTime] = stamp
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = stamp
    exif_ifd[ExifTags.Base.DateTimeDigitized] = stamp
    exif_ifd[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
    gps[ExifTags.GPS.GPSLatitude] = dms(lat)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
    gps[ExifTags.GPS.GPSLongitude] = dms(lon)
    return exif


def photo_jpeg(
    seed: int,
    *,
    width: int = 4000,
    height: int = 3000,
    taken_at: datetime = datetime(YEAR, 6, 1, 10, 30),
    lat: float = 30.2741,
    lon: float = 120.1551,
    quality: int = 92,
) -> bytes:
    """A phone-sized JPEG (4000x3000 = 12 MP, about 4 MB, 4:2:0) with EXIF time and GPS."""
    out = io.BytesIO()
    scene(width, height, seed).save(
        out, "JPEG", quality=quality, exif=photo_exif(taken_at, lat, lon)
    )
    return out.getvalue()


def thumbnails(root: Path, count: int, *, seed: int = 0, prefix: str = "thumbs/bench") -> list[str]:
    """`count` different 320x240 JPEG thumbnails under `root`; their paths relative to it.

    Every file differs (a stamped corner), so nothing downstream can share one copy.
    """
    # Drawn at 4x and scaled down, like a thumbnail of a photo: noise averaged out.
    base = [
        scene(1280, 960, seed * 1000 + n).resize((320, 240), Image.Resampling.BICUBIC)
        for n in range(min(count, 32))
    ]
    paths = []
    folder = root / prefix
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        img = base[n % len(base)].copy()
        stamp = ImageDraw.Draw(img)
        for bit in range(20):
            shade = 255 if (n >> bit) & 1 else 0
            stamp.rectangle((bit * 4, 0, bit * 4 + 3, 3), fill=(shade, shade, shade))
        relative = f"{prefix}/{n:06d}.jpg"
        img.save(root / relative, "JPEG", quality=85)
        paths.append(relative)
    return paths


# --- a campaign --------------------------------------------------------------------------------


def settings_for(data_dir: Path) -> Settings:
    return Settings(
        storage=StorageSettings(data_dir=data_dir),
        # Nothing here runs the bot's own schedule; the benchmarks call the jobs themselves.
        schedule=ScheduleSettings(enabled=False),
    )


async def new_campaign(data_dir: Path) -> Settings:
    """A fresh database (migrations applied) with the example campaign imported."""
    settings = settings_for(data_dir)
    services = await open_services(settings, require_campaign=False)
    try:
        await import_catalog(database_of(services), load_catalog(CATALOG), now=services.clock.now())
    finally:
        await services.close()
    return settings


@dataclass
class Shape:
    """How big the campaign is and what it holds."""

    items: int
    groups: int = 100
    deputies_per_group: int = 30
    sites_per_project: int = 50
    items_per_visit: float = 3.0
    first: date = date(YEAR, 1, 1)
    last: date = date(YEAR, 12, 31)
    # The supervision week(s): a third of the year's items in one month.
    peak: tuple[date, date] = (date(YEAR, 5, 15), date(YEAR, 6, 14))
    peak_share: float = 0.33
    # Photos for the items and check-ins of these local days (what their summaries show).
    photo_days: tuple[date, ...] = ()
    photo_thumbs: list[str] = field(default_factory=list)  # paths of existing thumbnails
    # One evidence photo per listed item, thumbnails from here (one file each, in order).
    item_thumbs: list[str] = field(default_factory=list)
    seed: int = 2020
    aged: bool = False  # items' indexes grown row by row, as in a year of use (slower to build)
    page_size: int = 0  # SQLite's page size for a new file (0: SQLite's default, 4096)


@dataclass
class Built:
    settings: Settings
    items: int
    listed: int  # items that go on the list (numbered, not merged/declined/withdrawn)
    visits: int
    persons: int
    groups: int
    sites: int
    photos: int
    seconds: float
    answers: int = 0
    votes: int = 0

    def describe(self) -> str:
        return (
            f"{self.items:,} items ({self.listed:,} listed), {self.groups} groups, "
            f"{self.persons:,} people, {self.sites:,} sites, {self.visits:,} check-ins, "
            f"{self.answers:,} answers, {self.votes:,} votes, "
            f"{self.photos:,} photo rows; built in {self.seconds:.1f} s"
        )


# Share of items per status (a campaign in its second half: most items forwarded or beyond).
STATUS_MIX: tuple[tuple[str, float], ...] = (
    ("draft", 0.01),
    ("submitted", 0.05),
    ("reviewed", 0.05),
    ("merged", 0.03),
    ("declined", 0.02),
    ("withdrawn", 0.01),
    ("forwarded", 0.15),
    ("returned", 0.01),
    ("in_progress", 0.20),
    ("answered", 0.15),
    ("rated", 0.12),
    ("closed", 0.20),
)
_HANDED_ON = {"forwarded", "returned", "in_progress", "answered", "rated", "closed"}
_ANSWERED = {"answered", "rated", "closed"}

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国晓红文斌波宁志坚海燕雪梅春兰立新"
_SUBJECTS = (
    "施工围挡",
    "电梯加装工程",
    "学校食堂",
    "老年食堂",
    "供水管网",
    "公共厕所",
    "人行道",
    "垃圾分类点",
    "停车泊位",
    "社区卫生服务站",
    "农村文化礼堂",
    "健身路径",
    "公交站台",
    "排水设施",
    "无障碍通道",
    "消防通道",
)
_FINDINGS = (
    "进度明显滞后于计划，现场仅有少量工人施工",
    "存在安全隐患，警示标志缺失",
    "完工后维护不到位，部分设施已经损坏",
    "选址不便，周边居民反映步行距离过远",
    "施工扬尘较大，未见洒水降尘措施",
    "群众知晓率不高，现场未设置公示牌",
    "资金拨付进度慢，施工单位反映材料款未到位",
    "验收标准执行不严，存在返工情况",
    "夜间施工噪声扰民，居民多次投诉",
    "配套设施未同步建设，使用效果受影响",
)
_ASKS = (
    "建议相关部门加强督促，明确完成时限。",
    "建议尽快整改并向周边居民做好解释工作。",
    "建议建立长效管护机制，落实管护责任。",
    "建议优化布局，听取群众意见后再行实施。",
    "建议加大资金保障力度，确保按期完工。",
    "建议加强现场安全管理，定期开展检查。",
)
_ANSWERS = (
    "已责成施工单位增加人员和设备投入，预计下月底前完成。",
    "已完成整改，并建立日常巡查制度。",
    "已列入明年计划，届时统筹解决。",
    "经研究，该问题涉及规划调整，暂缓实施，留作参考。",
)


def _description(rng: random.Random, site: str) -> str:
    subject = rng.choice(_SUBJECTS)
    text = f"{site}{subject}{rng.choice(_FINDINGS)}，约{rng.randrange(2, 300)}米范围。"
    if rng.random() < 0.6:
        text += rng.choice(_FINDINGS) + "。"
    return text + rng.choice(_ASKS)


def _db_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _drop_indexes(conn: sqlite3.Connection, tables: Sequence[str]) -> list[str]:
    marks = ", ".join("?" * len(tables))
    rows = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})",
        tuple(tables),
    ).fetchall()
    for name, _sql in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


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
    created = _db_time(datetime(year, 1, 1, 9, tzinfo=ZONE))
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
    dropped = _drop_indexes(conn, tables)

    # Groups: the catalog's, then more, each on one project, round the projects.
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
    groups = [r[0] for r in conn.execute("SELECT id FROM groups ORDER BY code")][: shape.groups]

    # Sites: more per project, around Hangzhou.
    site_rows = []
    for pid in projects:
        for n in range(shape.sites_per_project):
            subs = subitems[pid]
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
    site_info = {
        sid: (pid, sub, name, lat, lon)
        for sid, pid, sub, name, lat, lon in conn.execute(
            "SELECT id, project_id, subitem_id, name, lat, lon FROM sites WHERE campaign_id = ?",
            (campaign_id,),
        )
    }
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
        group_sites[gid] = found or list(site_info)

    # People: a leader and deputies per group (leaders can be reached: they get summaries),
    # a liaison per unit, a few staff.
    person_rows = []
    next_tg = 10_000_000
    for gid in groups:
        for n in range(shape.deputies_per_group + 1):
            name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2)))
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
    persons = len(person_rows)

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
    group_list = groups
    for v, day_index in enumerate(sorted(visit_days)):
        gid = group_list[rng.randrange(len(group_list))]
        person = rng.choice(members[gid])
        site = rng.choice(group_sites[gid])
        moment = midnights[day_index] + timedelta(seconds=rng.randrange(8 * 3600, 18 * 3600))
        _pid, _sub, _name, lat, lon = site_info[site]
        distance = rng.random() * 300
        on_site = distance < 150
        visit_rows.append(
            (campaign_id, person, site, _db_time(moment), lat, lon, 20.0, 0, distance,
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
        unit = sub_unit if status in _HANDED_ON or status == "reviewed" else None
        if unit is None and status in _HANDED_ON:
            unit = rng.choice(units)
        forwarded = submitted + timedelta(days=rng.randint(3, 12)) if status in _HANDED_ON else None
        due = forwarded + timedelta(days=91) if forwarded else None
        answered = (
            forwarded + timedelta(days=rng.randint(10, 80))
            if forwarded and status in _ANSWERED
            else None
        )
        closed = (
            answered + timedelta(days=rng.randint(5, 25))
            if answered and status == "closed"
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
            vote_rows.append((n, person, value, _db_time(answered + timedelta(days=2))))
        sub_time = None if draft else _db_time(submitted)
        item_rows.append(
            (n, campaign_id, kind, status, None if draft else number, person, gid, first_visit + v,
             site, project, sub, rng.choice(categories) if kind == "problem" else None,
             rng.choice(("normal", "normal", "serious", "grave")) if kind == "problem" else None,
             _description(rng, site_name), _db_time(submitted - timedelta(minutes=5)), sub_time,
             _db_time(closed or answered or forwarded or submitted), unit,
             _db_time(forwarded - timedelta(days=1)) if forwarded else None,
             _db_time(forwarded) if forwarded else None, _db_time(due) if due else None,
             1 if forwarded else 0, response_class, _db_time(answered) if answered else None,
             rating, _db_time(closed) if closed else None,
             rng.choice(("held", "held", "held", "broken")) if closed and rng.random() < 0.3 else None)
        )  # fmt: skip
        item_extra.append((status, person, unit, answered, response_class, sub_time))
    conn.executemany(
        "INSERT INTO items (id, campaign_id, kind, status, number, author_id, group_id, visit_id, "
        "site_id, project_id, subitem_id, category_id, severity, description, created_at, "
        "submitted_at, updated_at, unit_id, reviewed_at, forwarded_at, due_at, round, "
        "response_class, answered_at, rating, closed_at, lookback_result) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                (item_id, 1, unit, liaison.get(unit, author), response_class,
                 rng.choice(_ANSWERS), _db_time(answered))
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
        start = _db_time(datetime(day.year, day.month, day.day, tzinfo=ZONE))
        following = day + timedelta(days=1)
        end = _db_time(datetime(following.year, following.month, following.day, tzinfo=ZONE))
        for item_id, (_status, author, *_rest, sub_time) in enumerate(item_extra, start=1):
            if sub_time is not None and start <= sub_time < end:
                for _ in range(1 + (rng.random() < 0.5)):
                    photo(item_id, None, author, rng.choice(pool), sub_time)
        for v, (person, _gid, _site, moment) in enumerate(visit_meta):
            at = _db_time(moment)
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
        persons=persons,
        groups=len(groups),
        sites=sites,
        photos=len(photo_rows),
        seconds=time.perf_counter() - started,
        answers=answers,
        votes=votes,
    )


def _new_file(path: Path, page_size: int) -> None:
    """An empty database file with `page_size`: fixed once the first table is written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size = {int(page_size)}")
    conn.execute("CREATE TABLE bench_page_size (x)")
    conn.execute("DROP TABLE bench_page_size")
    conn.close()


async def build(data_dir: Path, shape: Shape) -> Built:
    """A campaign of `shape` in `data_dir` (which must not hold a database yet)."""
    started = time.perf_counter()
    if shape.page_size:
        _new_file(settings_for(data_dir).storage.database_path, shape.page_size)
    settings = await new_campaign(data_dir)
    built = populate(settings.storage.database_path, shape, settings)
    built.seconds = time.perf_counter() - started
    return built


def add_photo_rows(db_path: Path, count: int, *, seed: int = 1) -> int:
    """`count` stored photos (rows only, random hashes and signatures) over the campaign's items."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        items = [r[0] for r in conn.execute("SELECT id, author_id FROM items")]
        authors = dict(conn.execute("SELECT id, author_id FROM items").fetchall())
        rows: list[tuple[Any, ...]] = []
        for k in range(count):
            item_id = items[k % len(items)]
            sha = f"{rng.getrandbits(256):064x}"
            rows.append(
                (authors[item_id], item_id, sha, f"originals/{sha[:2]}/{sha}.jpg",
                 f"display/{sha[:2]}/{sha}.jpg", f"thumbs/{sha[:2]}/{sha}.jpg",
                 rng.getrandbits(64) - (1 << 63), rng.randbytes(SIGNATURE_BYTES),
                 f"stored-{k}", "2020-06-01T02:00:00+00:00")
            )  # fmt: skip
        conn.executemany(
            "INSERT INTO photos (person_id, item_id, sha256, format, width, height, size_bytes, "
            "original_path, display_path, thumb_path, phash, signature, as_file, file_unique_id, "
            "received_at) VALUES (?,?,?,'JPEG',4000,3000,4000000,?,?,?,?,?,1,?,?)",
            rows,
        )
        conn.execute("COMMIT")
        # Into the database file now, or the bot's first writes would pay for the checkpoint.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count
    finally:
        conn.close()
