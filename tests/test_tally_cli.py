"""The tally outside the chat: `deputy-bot tally` in text and JSON, and a year of twenty
thousand items counted whole."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.bootstrap import database_of
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.clock import to_db
from bot.config import Settings, StorageSettings
from bot.tally import compute_tally
from bot.tally_period import Period
from tests.conftest import open_with_example, start_clock
from tests.steps import imported_example
from tests.tally_items import _INSERT_ITEM, _item

# --- the command line ---------------------------------------------------------------------------


def test_cli_prints_the_same_figures_as_text_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = imported_example(tmp_path)
    capsys.readouterr()
    june = datetime(2020, 6, 10, 2, 0, tzinfo=UTC)
    with closing(sqlite3.connect(tmp_path / "data" / "deputy-bot.sqlite3")) as db, db:
        db.execute(
            "INSERT INTO persons (campaign_id, name, role, group_id, created_at) "
            "SELECT c.id, '张三', 'deputy', g.id, ? FROM campaigns c JOIN groups g ON g.code = 'G02'",
            (to_db(june),),
        )
        for item in (
            _item(1, "张三", "submitted", at=june),
            _item(2, "张三", "reviewed", kind="suggestion", at=june),
            _item(3, "张三", "submitted", at=june + timedelta(days=40)),  # in July
        ):
            db.execute(_INSERT_ITEM, item)

    args = ["tally", "--config", str(config), "--from", "2020-06-01", "--to", "2020-06-30"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["groups"], data["deputies"], data["problems"], data["suggestions"]) == (1, 1, 1, 1)
    assert data["period"] == {"from": "2020-06-01", "to": "2020-06-30"}
    assert data["by_group"] == [{"label": "第二监督小组", "problems": 1, "suggestions": 1}]
    # Every unit of the catalog, in its order, with the ones that got nothing at zero.
    units = load_catalog(EXAMPLE_CATALOG).units
    assert [(u["code"], u["label"]) for u in data["by_unit"]] == [(u.code, u.name) for u in units]
    assert [u["problems"] + u["suggestions"] for u in data["by_unit"]].count(0) == len(units) - 1
    assert data["satisfaction"]["valid_votes"] == 0 and data["satisfaction"]["rate"] is None

    assert main(args) == 0
    text = capsys.readouterr().out
    assert "1个监督小组、1名代表参加，累计发现问题1个、提出意见建议1条" in text
    assert "答复满意率：尚无有效评价票" in text and f"· {units[-1].name}：问题 0 个" in text
    assert "<b>" not in text and "2020-06-01 至 2020-06-30" in text
    assert main([*args, "--lang", "en"]) == 0
    assert "1 groups, 1 deputies took part, 1 problems and 1 suggestions" in capsys.readouterr().out
    # Without dates: the whole campaign, July included.
    assert main(["tally", "--config", str(config), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["problems"] == 2

    assert main(["tally", "--config", str(config), "--from", "2020-06-31"]) == 1
    assert "--from '2020-06-31'" in capsys.readouterr().err
    assert (
        main(["tally", "--config", str(config), "--from", "2020-07-01", "--to", "2020-06-01"]) == 1
    )
    assert "after" in capsys.readouterr().err


def test_a_year_of_twenty_thousand_items_is_counted_whole(tmp_path: Path) -> None:
    """20,000 items over a year and every group; how fast is bench/tally.py's business."""
    asyncio.run(_bulk_tally(tmp_path))


async def _bulk_tally(tmp_path: Path) -> None:
    settings = Settings(storage=StorageSettings(data_dir=tmp_path / "data"))
    services = await open_with_example(settings, start_clock())
    try:
        async with database_of(services).transaction() as conn:
            await conn.execute(
                "INSERT INTO persons (campaign_id, name, role, group_id, created_at) "
                "SELECT c.id, '代表' || g.code, 'deputy', g.id, '2020-01-01T00:00:00+00:00' "
                "FROM campaigns c JOIN groups g ON g.campaign_id = c.id"
            )
            # 20,000 items spread over the year, all groups, sub-items, categories and statuses.
            await conn.execute(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                INSERT INTO items (campaign_id, kind, status, number, author_id, group_id,
                                   project_id, subitem_id, category_id, description, created_at,
                                   submitted_at, updated_at)
                SELECT 1, CASE i % 3 WHEN 0 THEN 'suggestion' ELSE 'problem' END,
                       CASE i % 5 WHEN 0 THEN 'forwarded' WHEN 1 THEN 'declined'
                                  WHEN 2 THEN 'closed' ELSE 'submitted' END,
                       i, p.id, p.group_id, s.project_id, s.id,
                       1 + i % 9, 'x',
                       strftime('%Y-%m-%dT%H:%M:%S+00:00', '2020-01-01', '+' || (i % 365) || ' days'),
                       strftime('%Y-%m-%dT%H:%M:%S+00:00', '2020-01-01', '+' || (i % 365) || ' days'),
                       'x'
                FROM n
                JOIN persons p ON p.id = 1 + i % (SELECT COUNT(*) FROM persons)
                JOIN subitems s ON s.id = 1 + i % (SELECT COUNT(*) FROM subitems)
                """
            )
        tally = await compute_tally(
            services, Period(date(2020, 1, 1), date(2020, 12, 31)), now=services.clock.now()
        )
    finally:
        await services.close()
    assert tally.problems + tally.suggestions == 16000  # a fifth were declined
    assert tally.deputies == await _count_groups(settings)


async def _count_groups(settings: Any) -> int:
    with closing(sqlite3.connect(settings.storage.database_path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM groups").fetchone()[0])
