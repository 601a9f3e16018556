"""`deputy-bot demo`, run as the operator runs it: the whole year offline, twice in one folder,
and the folders it refuses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import cast

import openpyxl

from tests.cli_helpers import DB_NAME, Finished, assert_clean_failure, cli, query, scalar

# --- 6. the demo ------------------------------------------------------------------------------------

DEMO_MARKERS = (
    "欢迎您",
    "已签到",
    "已提交：问题",
    "已提交：建议",
    "不会重复记录",
    # The year: progress on /projects, a planned visit done, the evaluation's results.
    "进展已报告：C01-3",
    "随报告保存照片 1 张",
    "🟢 ▓▓▓░░░░░ 40% · 推进中 · 上次报告 2020-06-16 钱进",
    "已安排监督任务",
    "✅ 已完成 杭州市疾病预防控制中心",
    "满意 2 · 基本满意 1 · 不满意 0（共 3 票），满意率 100.0%，测评结果：满意",
    # The deadlines: signed for late, an extension approved, chased, escalated.
    "请于 2020-06-18 前签收",
    "签收超时 2 条",
    "经同意延期，责任单位的答复期限调整为 2020-09-30",
    "已到答复期限（2020-09-30），尚未答复",
    "市卫健委 办理的问题 2020-0003（提升公共卫生应急能力）答复期限为 2020-09-30，已超过 3 个工作日",
    "Database:",
)


def demo_paths(stdout: str) -> tuple[Path, Path]:
    db = re.search(r"^Database:\s+(.+)$", stdout, re.M)
    photos = re.search(r"^Photos:\s+(.+)$", stdout, re.M)
    assert db is not None and photos is not None, stdout
    return Path(db[1].strip()), Path(photos[1].strip())


def check_demo_run(result: Finished, data: Path) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for marker in DEMO_MARKERS:
        assert marker in result.stdout, marker
    db, photos_dir = demo_paths(result.stdout)
    assert db == data / DB_NAME
    assert db.exists()
    assert (data / ".deputy-bot-demo").exists()
    items = query(db, "SELECT kind, status, number FROM items ORDER BY number")
    # The whole loop: reviewed, forwarded, answered, rated 满意 and closed; the suggestion went to
    # a unit without a liaison, by letter; the third is still with the unit, escalated.
    assert items == [
        ("problem", "closed", 1),
        ("suggestion", "forwarded", 2),
        ("problem", "in_progress", 3),
    ]
    assert query(db, "SELECT decision, proposed_day FROM extensions") == [
        ("approved", "2020-09-30")
    ]
    assert scalar(db, "SELECT COUNT(*) FROM escalations") == 2
    assert query(db, "SELECT value FROM ratings") == [("satisfied",)]
    assert query(db, "SELECT class, on_paper FROM responses") == [("A", 0)]
    assert scalar(db, "SELECT COUNT(*) FROM lookbacks") == 1
    assert scalar(db, "SELECT for_letter FROM items WHERE number = 2") == 1
    # Every notice was delivered, none twice.
    assert scalar(db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0
    # A count is an int; scalar() says object, as sqlite3's rows are untyped.
    assert cast(int, scalar(db, "SELECT COUNT(*) FROM outbox")) >= 8
    for name, what in (
        ("问题与建议清单.xlsx", "3 rows"),
        ("问题与建议清单.csv", "3 rows"),
        ("关于交办问题与建议清单的函.docx", "3 rows"),
        ("照片包.zip", "1 photos of 1 items; 3 listed"),  # the suggestion has no photo
        ("点位签到二维码.docx", "39 sites, one page each; deputy-bot posters"),
        ("满意度测评结果.xlsx", "20 projects, round 1; deputy-bot evaluation"),
        ("半年工作通报.docx", "20 projects; deputy-bot bulletin"),
        ("第一监督小组书面监督报告.docx", "3 items; deputy-bot group-report"),
    ):
        assert f"{data / 'exports' / name}  ({what})" in result.stdout
        assert (data / "exports" / name).stat().st_size > 0
    # The evaluation's workbook holds the chat's figures: C01 and C02 rated, the rest not.
    sheet = openpyxl.load_workbook(data / "exports" / "满意度测评结果.xlsx")["测评结果"]
    rows = {r[0]: r[2:6] for r in sheet.iter_rows(min_row=5, values_only=True) if r[1]}
    assert rows["C01"] == (2, 1, 0, 3) and rows["C02"] == (0, 1, 1, 2)
    assert rows["C03"] == (0, 0, 0, 0) and len(rows) == 20
    assert scalar(db, "SELECT COUNT(*) FROM evaluation_rounds WHERE closed_at IS NOT NULL") == 1
    assert scalar(db, "SELECT COUNT(*) FROM progress_reports") == 1
    assert scalar(db, "SELECT COUNT(*) FROM task_deputies WHERE done_at IS NOT NULL") == 1
    assert "已办结，评价结果：满意" in result.stdout
    visits = scalar(db, "SELECT COUNT(*) FROM visits")
    assert isinstance(visits, int) and visits >= 1
    photos = query(db, "SELECT original_path, display_path, thumb_path, size_bytes FROM photos")
    assert len(photos) >= 2  # one on the check-in, one on the problem
    for original, display, thumb, size in photos:
        for relative in (original, display, thumb):
            assert (photos_dir / str(relative)).is_file(), relative
        assert (photos_dir / str(original)).stat().st_size == size
    assert scalar(db, "SELECT COUNT(*) FROM photos WHERE item_id IS NOT NULL") == 1  # evidence
    assert scalar(db, "SELECT COUNT(*) FROM photos WHERE visit_id IS NOT NULL") == 1
    assert scalar(db, "SELECT COUNT(*) FROM photos WHERE progress_report_id IS NOT NULL") == 1


def test_demo_runs_offline_twice_in_the_same_folder(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    first = cli("demo", "--data", data, cwd=tmp_path, timeout=120)
    check_demo_run(first, data)
    # Something left from the last run is gone after the next: the folder is made afresh.
    (data / "leftover.txt").write_text("from the first run\n", encoding="utf-8")

    second = cli("demo", "--data", data, cwd=tmp_path, timeout=120)
    check_demo_run(second, data)
    assert not (data / "leftover.txt").exists()


def test_demo_refuses_a_folder_that_is_not_a_demo_folder(tmp_path: Path) -> None:
    data = tmp_path / "important"
    data.mkdir()
    (data / "minutes.txt").write_text("do not delete\n", encoding="utf-8")

    result = cli("demo", "--data", data, cwd=tmp_path, timeout=60)

    stderr = assert_clean_failure(result)
    assert "not a demo folder" in stderr
    assert str(data) in stderr
    assert sorted(p.name for p in data.iterdir()) == ["minutes.txt"]
    assert (data / "minutes.txt").read_text(encoding="utf-8") == "do not delete\n"


def test_demo_refuses_a_data_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n", encoding="utf-8")

    result = cli("demo", "--data", target, cwd=tmp_path, timeout=60)

    stderr = assert_clean_failure(result)
    assert "notes.txt" in stderr
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_demo_data_path_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me\n", encoding="utf-8")

    result = cli("demo", "--data", tmp_path / "notes.txt" / "demo", cwd=tmp_path, timeout=60)

    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me\n"
    stderr = assert_clean_failure(result)
    assert "notes.txt" in stderr
