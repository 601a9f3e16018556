"""A benchmark campaign's settings and shape, what was built, and the words its items are made of."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from bench._machine import YEAR
from bot.bootstrap import database_of, open_services
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.config import ScheduleSettings, Settings, StorageSettings
from storage.catalog import import_catalog

# --- a campaign --------------------------------------------------------------------------------


def settings_for(data_dir: Path) -> Settings:
    return Settings(
        storage=StorageSettings(data_dir=data_dir),
        # Nothing here runs the bot's own schedule; the benchmarks call the jobs themselves.
        schedule=ScheduleSettings(enabled=False),
    )


def _new_file(path: Path, page_size: int) -> None:
    """An empty database file with `page_size`: fixed once the first table is written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size = {int(page_size)}")
    conn.execute("CREATE TABLE bench_page_size (x)")
    conn.execute("DROP TABLE bench_page_size")
    conn.close()


async def new_campaign(data_dir: Path, page_size: int = 0) -> Settings:
    """A fresh database (migrations applied) with the example campaign imported; in a file of
    `page_size` if one is given (0: SQLite's default)."""
    settings = settings_for(data_dir)
    if page_size:
        _new_file(settings.storage.database_path, page_size)
    services = await open_services(settings, require_campaign=False)
    try:
        await import_catalog(
            database_of(services), load_catalog(EXAMPLE_CATALOG), now=services.clock.now()
        )
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
HANDED_ON = {"forwarded", "returned", "in_progress", "answered", "rated", "closed"}
ANSWERED = {"answered", "rated", "closed"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国晓红文斌波宁志坚海燕雪梅春兰立新"
SUBJECTS = (
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
FINDINGS = (
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
ASKS = (
    "建议相关部门加强督促，明确完成时限。",
    "建议尽快整改并向周边居民做好解释工作。",
    "建议建立长效管护机制，落实管护责任。",
    "建议优化布局，听取群众意见后再行实施。",
    "建议加大资金保障力度，确保按期完工。",
    "建议加强现场安全管理，定期开展检查。",
)
ANSWERS = (
    "已责成施工单位增加人员和设备投入，预计下月底前完成。",
    "已完成整改，并建立日常巡查制度。",
    "已列入明年计划，届时统筹解决。",
    "经研究，该问题涉及规划调整，暂缓实施，留作参考。",
)


def description(rng: random.Random, site: str) -> str:
    subject = rng.choice(SUBJECTS)
    text = f"{site}{subject}{rng.choice(FINDINGS)}，约{rng.randrange(2, 300)}米范围。"
    if rng.random() < 0.6:
        text += rng.choice(FINDINGS) + "。"
    return text + rng.choice(ASKS)


def db_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def drop_indexes(conn: sqlite3.Connection, tables: Sequence[str]) -> list[str]:
    marks = ", ".join("?" * len(tables))
    rows = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})",
        tuple(tables),
    ).fetchall()
    for name, _sql in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]
