"""Several campaigns in one deployment: the city's and a district's side by side, a deputy who
takes part in both, a joint inspection counted in both tallies, the city's overview."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.bootstrap import database_of
from bot.catalog_file import EXAMPLE_CATALOG
from bot.people import Role
from tests.campaign_steps import (
    CITY,
    CITY_NAME,
    DISTRICT,
    DISTRICT_NAME,
    check_in_at,
    city,
    cli,
    invite_into,
    join_in,
    switch_to,
    tally_of,
)
from tests.conftest import Harness, answer_to, reply_to
from tests.steps import (
    check_in,
    confirm,
    problem_up_to_description,
    report_problem,
    skip_photos,
)
from tests.web_steps import Desk

__all__ = ["city"]


async def test_a_deputy_of_both_campaigns_chooses_and_each_sees_only_its_own(
    city: Harness,
) -> None:
    deputy = await join_in(city, CITY, "王芳")
    # The same phone joins the district's campaign: a membership of its own, acting there now.
    await invite_into(city, DISTRICT, deputy)
    rows = await city.value(
        "SELECT COUNT(DISTINCT campaign_id) FROM persons WHERE telegram_user_id = ?",
        deputy.user_id,
    )
    assert rows == 2
    # Her menu now offers /campaign, after her role's commands.
    menu = [c["command"] for c in city.api.commands({"type": "chat", "chat_id": deputy.user_id})]
    assert menu[-4:] == ["campaign", "help", "lang", "cancel"]
    await deputy.send_text("/campaign")
    listing = (await deputy.next_message()).text or ""
    assert f"▶ {DISTRICT_NAME}（人大代表）" in listing and CITY_NAME in listing

    # Two problems in the district, numbered by the district; then one in the city.
    await check_in_at(city, DISTRICT, deputy)
    said = await report_problem(deputy)
    assert any("2020-0001" in (m.text or "") for m in said)
    await report_problem(deputy, text="第二处围挡破损，行人绕行到机动车道")
    assert "当前监督活动：" + CITY_NAME in await switch_to(deputy, CITY_NAME)
    await check_in_at(city, CITY, deputy)
    said = await report_problem(deputy)
    assert any("2020-0001" in (m.text or "") for m in said)  # the city's own numbering
    counts = {
        code: await city.value(
            "SELECT COUNT(*) FROM items i JOIN campaigns c ON c.id = i.campaign_id "
            "WHERE c.code = ? AND i.status = 'submitted'",
            code,
        )
        for code in (CITY, DISTRICT)
    }
    assert counts == {CITY: 1, DISTRICT: 2}

    # /mine lists the current campaign's items only.
    await deputy.send_text("/mine")
    mine_city = await deputy.next_message()
    assert "共 1 条" in (mine_city.text or "")

    # Staff see their own campaign only.
    city_staff = await join_in(city, CITY, "赵敏", Role.STAFF)
    district_staff = await join_in(city, DISTRICT, "钱多", Role.STAFF)
    city_tally = await tally_of(city_staff)
    district_tally = await tally_of(district_staff)
    assert "累计发现问题1个" in city_tally
    assert "累计发现问题2个" in district_tally
    assert "全市概览" not in district_tally  # a district's staff see no other campaign

    # Back in the district, a button of the city's /mine list still acts in the city: the
    # press resolves the membership from the item's campaign, and the city becomes current.
    assert DISTRICT_NAME in await switch_to(deputy, DISTRICT_NAME)
    assert "共 2 条" in await reply_to(deputy, "/mine")
    label = next(b for b in mine_city.buttons if b.startswith("问题 2020-0001"))
    await deputy.press_data(mine_city.message_id, mine_city.button_data[label])
    opened = await deputy.next_message(edited=True)
    assert "问题 2020-0001" in (opened.text or "") and "围挡" not in (opened.text or "")
    assert f"▶ {CITY_NAME}" in await reply_to(deputy, "/campaign")


async def test_a_joint_visit_counts_in_both_tallies_and_the_city_sees_every_campaign(
    city: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deputy = await join_in(city, CITY, "王芳")
    await check_in(city, deputy)
    # The closing line of the check-in offers 联合视察…: the district's groups to choose from.
    await deputy.press("联合视察…")
    choose = await deputy.next_message()
    assert "联合视察" in (choose.text or ""), choose.describe()
    partner = f"{DISTRICT_NAME}·第一监督小组"
    assert partner in choose.buttons and not any(CITY_NAME in b for b in choose.buttons)
    await deputy.press(partner)
    done = await deputy.next_message(edited=True)
    assert "已记为与" in (done.text or "") and "第一监督小组" in (done.text or "")
    # The same press again shares it once.
    await deputy.press_data(choose.message_id, choose.button_data[partner])
    await deputy.settle()
    assert await city.value("SELECT COUNT(*) FROM joint_visits") == 1
    await report_problem(deputy)  # raised at the joint visit: shared with it

    city_staff = await join_in(city, CITY, "赵敏", Role.STAFF)
    district_staff = await join_in(city, DISTRICT, "钱多", Role.STAFF)
    city_tally = await tally_of(city_staff)
    district_tally = await tally_of(district_staff)
    # Counted once in each campaign's tally, and marked joint.
    assert "累计发现问题1个" in city_tally and "联合视察：1 次" in city_tally
    assert "本活动共享给合作方 1 件" in city_tally
    assert "累计发现问题1个" in district_tally and "联合视察：1 次" in district_tally
    assert "合作方共享的问题 1 个" in district_tally

    # The city's staff also get the overview of every campaign.
    assert "全市概览" in city_tally
    assert f"• {CITY_NAME}：" in city_tally and f"• {DISTRICT_NAME}：" in city_tally
    assert "合计：2 项监督活动，问题和建议 1 件" in city_tally

    # A district's person cannot share a visit that is not theirs (a forged press).
    district_deputy = await join_in(city, DISTRICT, "李雷")
    visit_id = await city.value("SELECT id FROM visits")
    await district_deputy.send_text("/help")
    helped = await district_deputy.next_message()
    press = await district_deputy.press_data(helped.message_id, f"jv:{visit_id}")
    answer = await district_deputy.next_answer()
    assert answer.query_id == press.query_id and "只能共享您自己的签到" in (answer.text or "")

    # The command line's city overview, from the same database while the bot runs.
    config = tmp_path / "city.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{city.settings.storage.data_dir}"\n\n'
        f'[campaign]\ncode = "{CITY}"\nalso = ["{DISTRICT}"]\ncity = "{CITY}"\n',
        encoding="utf-8",
    )
    capsys.readouterr()
    assert await cli(["tally", "--config", str(config), "--all-campaigns", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [
        (r["code"], r["city"], r["problems"], r["joint_items"], r["joint_visits"]) for r in rows
    ] == [
        (CITY, True, 1, 0, 1),
        (DISTRICT, False, 1, 1, 1),
    ]
    assert await cli(["tally", "--config", str(config), "--all-campaigns"]) == 0
    assert "全市概览" in capsys.readouterr().out
    # --campaign: the district's own tally.
    assert await cli(["tally", "--config", str(config), "--campaign", DISTRICT, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["joint"]["problems_in"] == 1


async def test_an_open_conversation_ends_in_the_campaign_it_began_in(city: Harness) -> None:
    deputy = await join_in(city, CITY, "王芳")
    await invite_into(city, DISTRICT, deputy)
    await check_in_at(city, DISTRICT, deputy)  # in the district, where she joined last
    await problem_up_to_description(deputy)
    # Switching in the middle does not move the open report to the other campaign.
    assert CITY_NAME in await switch_to(deputy, CITY_NAME)
    await deputy.send_text("施工围挡倒塌，占用人行道，行人绕行")
    await deputy.next_message()
    await skip_photos(deputy)
    await confirm(deputy)
    assert (
        await city.value(
            "SELECT c.code FROM items i JOIN campaigns c ON c.id = i.campaign_id "
            "WHERE i.status = 'submitted'"
        )
        == DISTRICT
    )
    # The next command acts in the chosen campaign: the city's /mine has nothing yet.
    assert "还没有提交过" in await reply_to(deputy, "/mine")


async def test_a_check_in_goes_to_the_campaign_whose_site_is_there(city: Harness) -> None:
    deputy = await join_in(city, CITY, "王芳")
    await invite_into(city, DISTRICT, deputy)  # acting in the district now
    site = await city.site_of_group("G01")  # the city's (the test acts in the home campaign)
    await deputy.send_text("/checkin")
    await deputy.next_message()
    await deputy.send_location(site.lat, site.lon, horizontal_accuracy=10)
    said = [await deputy.next_message(), await deputy.next_message()]
    said.append(await deputy.next_message())
    assert any(f"本次签到记入：{CITY_NAME}" in (m.text or "") for m in said), said
    await deputy.press(site.name)
    await deputy.next_message(edited=True)
    await deputy.next_message()
    await deputy.press("完成")
    await deputy.settle()
    visit = await city.value("SELECT c.code FROM visits v JOIN campaigns c ON c.id = v.campaign_id")
    assert visit == CITY
    assert f"▶ {CITY_NAME}" in await reply_to(deputy, "/campaign")


async def test_the_cli_imports_and_invites_per_campaign(
    city: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "city.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{city.settings.storage.data_dir}"\n\n'
        f'[campaign]\ncode = "{CITY}"\nalso = ["{DISTRICT}"]\ncity = "{CITY}"\n\n'
        '[telegram]\nbot_username = "deputy_test_bot"\n',
        encoding="utf-8",
    )
    # In the chat, the district's staff work on the district's catalog.
    district_staff = await join_in(city, DISTRICT, "钱多", Role.STAFF)
    assert DISTRICT in await reply_to(district_staff, "/catalog")
    # On the command line, the city's catalog must not land on the district's campaign.
    assert (
        await cli(["import", "--config", str(config), "--campaign", DISTRICT, str(EXAMPLE_CATALOG)])
        == 1
    )
    assert f"not {DISTRICT}" in capsys.readouterr().err
    args = ["invite", "--config", str(config), "--campaign", DISTRICT, "--role", "deputy"]
    assert await cli([*args, "--name", "韩梅", "--group", "G02"]) == 0
    assert (
        await city.value(
            "SELECT c.code FROM persons p JOIN campaigns c ON c.id = p.campaign_id "
            "WHERE p.name = '韩梅'"
        )
        == DISTRICT
    )


async def _unshare(bot: Harness) -> None:
    async with database_of(bot.services).transaction() as conn:
        await conn.execute("DELETE FROM joint_items")


async def test_staff_share_an_item_with_a_partner_group(city: Harness) -> None:
    deputy = await join_in(city, CITY, "王芳")
    await check_in_at(city, CITY, deputy)
    await report_problem(deputy)
    city_staff = await join_in(city, CITY, "赵敏", Role.STAFF)
    district_staff = await join_in(city, DISTRICT, "钱多", Role.STAFF)
    menu = [
        c["command"] for c in city.api.commands({"type": "chat", "chat_id": city_staff.user_id})
    ]
    assert "joint" in menu
    # The district's staff reach their own campaign's numbers only.
    assert "没有编号为 2020-0001" in await reply_to(district_staff, "/joint 2020-0001")
    await city_staff.send_text("/joint 2020-0001")
    choose = await city_staff.next_message()
    partner = f"{DISTRICT_NAME}·第二监督小组"
    assert partner in choose.buttons, choose.describe()
    await city_staff.press(partner)
    done = await city_staff.next_message(edited=True)
    assert "已记为与" in (done.text or "") and "第二监督小组" in (done.text or "")
    # A forged press of the district's staff changes nothing: the item is not theirs to review.
    item_id = await city.value("SELECT id FROM items")
    group_id = choose.button_data[partner].split(":")[2]
    await district_staff.send_text("/help")
    helped = await district_staff.next_message()
    press = await district_staff.press_data(helped.message_id, f"ji:{item_id}:{group_id}")
    assert "已记为" not in await answer_to(district_staff, press)
    assert await city.value("SELECT COUNT(*) FROM joint_items") == 1
    district_tally = await tally_of(district_staff)
    assert "累计发现问题1个" in district_tally and "合作方共享的问题 1 个" in district_tally
    assert "联合视察：0 次" in district_tally  # an item shared on its own, without a visit
    # Its page in the console is marked joint, naming the partner.
    desk = Desk(city, city.settings.web.public_url)
    async with desk.browsing(await city.person(city_staff)) as town:
        status, page = await town.get(f"/items/{item_id}")
        assert status == 200 and 'id="joint"' in page and "第二监督小组" in page
        # The page also shares it with a partner's group, as /joint does: once, however often.
        share = page[page.index('id="share"') :]
        share = share[: share.index("</form>")]
        groups = re.findall(r'<option value="(\d+)">([^<]+)</option>', share)
        assert partner in [name for _, name in groups], groups
        other = next(g for g, name in groups if name != partner)
        # Shared afresh from the page (the chat's share undone by hand), twice: recorded once.
        await _unshare(city)
        for _ in range(2):
            status, page = await town.act(item_id, "share", group=other)
            assert status == 200 and "已记为联合视察" in page, page
        assert await city.value("SELECT group_id FROM joint_items") == int(other)
        assert await city.value("SELECT COUNT(*) FROM joint_items") == 1
        # An edited group id is refused and changes nothing.
        status, page = await town.act(item_id, "share", group=999999)
        assert "已记为联合视察" not in page
        assert await city.value("SELECT COUNT(*) FROM joint_items") == 1
    # The district's staff may not share the city's item.
    await _unshare(city)
    async with desk.browsing(await city.person(district_staff)) as district:
        form = {"_csrf": district.csrf, "_key": "k", "group": other}
        status, page = await district.post(f"/items/{item_id}/share", data=form)
        assert "已记为联合视察" not in page
        assert await city.value("SELECT COUNT(*) FROM joint_items") == 0


async def test_the_console_shows_each_staff_their_campaign_and_the_city_its_overview(
    city: Harness,
) -> None:
    deputy = await join_in(city, DISTRICT, "王芳")
    await check_in_at(city, DISTRICT, deputy)
    await report_problem(deputy)
    city_staff = await join_in(city, CITY, "赵敏", Role.STAFF)
    district_staff = await join_in(city, DISTRICT, "钱多", Role.STAFF)
    desk = Desk(city, city.settings.web.public_url)
    async with desk.browsing(await city.person(district_staff)) as district:
        status, page = await district.get("/items")
        assert status == 200 and "2020-0001" in page
        assert f'<span id="acting-campaign">{DISTRICT_NAME}</span>' in page
        assert 'id="nav-overview"' not in page
        status, page = await district.get("/overview")
        assert status == 403 and "全市概览" in page  # refused, in words
    async with desk.browsing(await city.person(city_staff)) as town:
        status, page = await town.get("/items")
        assert status == 200 and "2020-0001" not in page  # the district's item
        assert 'id="nav-overview"' in page
        status, page = await town.get("/overview")
        assert status == 200
        assert f'data-campaign="{CITY}"' in page and f'data-campaign="{DISTRICT}"' in page
        assert "合计：2 项监督活动，问题和建议 1 件" in page


# --- an existing single-campaign deployment ------------------------------------------------------


async def test_a_single_campaign_deployment_is_unchanged(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    menu = [c["command"] for c in bot.api.commands({"type": "chat", "chat_id": deputy.user_id})]
    assert "campaign" not in menu
    assert "只参加这一项监督活动" in await reply_to(deputy, "/campaign")
    await check_in(bot, deputy)
    closing = [m for m in deputy.messages if "签到完成" in (m.text or "")][-1]
    assert "联合视察…" not in closing.buttons  # no partner campaigns to share with
    staff = await bot.join("赵敏", Role.STAFF)
    text = await tally_of(staff)
    assert "联合视察" not in text and "全市概览" not in text
