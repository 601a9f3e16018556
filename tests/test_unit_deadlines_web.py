"""The units' deadlines in the web console: 签收超时 in the list (filter and marker), an
extension asked on the item's page and decided by staff there, with the chat's notices."""

from __future__ import annotations

import re
from datetime import datetime

from localapi import SimUser
from tests.conftest import SHANGHAI
from tests.steps import delivered
from tests.test_web_actions import audit, new_items, one_forwarded
from tests.web_steps import Desk, desk

__all__ = ["desk"]


async def _due_day(desk: Desk, item_id: int) -> str:
    item = await desk.bot.services.items.get(item_id)
    assert item is not None and item.due_at is not None
    return desk.bot.services.policy.day(item.due_at)


async def _extension_id(desk: Desk, item_id: int) -> int:
    return int(
        await desk.bot.value(
            "SELECT id FROM extensions WHERE item_id = ? AND decision IS NULL", item_id
        )
    )


async def _told(user: SimUser, fragment: str) -> None:
    await delivered(user, fragment)


async def test_sign_overdue_in_the_list_and_an_extension_decided_in_the_console(
    desk: Desk,
) -> None:
    bot = desk.bot
    c, item_id = await one_forwarded(bot)  # Tuesday 2020-06-16: sign for by Thursday
    [other_item] = await new_items(bot, c.deputy)
    number = (await bot.services.items.get(item_id)).display_number  # type: ignore[union-attr]

    async with desk.browsing(c.staff) as staff:
        code, page = await staff.get("/items?sign_overdue=1")
        assert code == 200 and number not in page, page
    # Friday: the window closed on Thursday (a session would not last that long: a new one).
    bot.clock.set(datetime(2020, 6, 19, 9, 0, tzinfo=SHANGHAI))
    async with desk.browsing(c.staff) as staff:
        code, page = await staff.get("/items?sign_overdue=1")
        assert code == 200 and f">{number}</a>" in page and "签收超时" in page, page
        code, page = await staff.get(f"/items/{item_id}")
        assert "签收期限：2020-06-18" in page and 'id="do-extension"' not in page, page

    async with desk.browsing(c.liaison) as liaison:
        code, page = await liaison.get(f"/items/{item_id}")
        assert code == 200 and 'id="do-extension"' in page, page
        code, page = await liaison.act(item_id, "extension", text="需协调多部门", day="2020-08-01")
        assert code == 403 and "须晚于当前答复期限 2020-09-16" in page, page
        code, page = await liaison.act(item_id, "extension", text="需协调多部门", day="2021-06-01")
        assert code == 403 and "最晚只能到 2020-12-15" in page, page
        code, page = await liaison.act(item_id, "extension", text="需协调多部门", day="2020-10-30")
        assert code == 200 and "延期申请已提交" in page, page
        code, page = await liaison.act(item_id, "extension", text="再申请一次", day="2020-11-30")
        assert code == 403 and "正在审批中" in page, page
    await _told(c.staff_user, "延期申请")

    async with desk.browsing(c.other_liaison) as other:
        code, page = await other.get(f"/items/{item_id}")
        assert code != 200 and "需协调多部门" not in page

    extension_id = await _extension_id(desk, item_id)
    async with desk.browsing(c.staff) as staff:
        code, page = await staff.get(f"/items/{item_id}")
        assert 'id="do-extension-approve"' in page and "需协调多部门" in page, page
        code, page = await staff.act(item_id, "extension_approve", extension=999999)
        assert code == 403 and "页面已过期" in page, page
        # Another item's page cannot decide this item's request.
        code, page = await staff.act(other_item, "extension_approve", extension=extension_id)
        assert code == 403 and "页面已过期" in page, page
        code, page = await staff.act(item_id, "extension_approve", extension=extension_id)
        assert code == 200 and "已同意延期" in page, page
        code, page = await staff.act(item_id, "extension_decline", extension=extension_id)
        assert code == 403 and "已经处理过" in page, page
    assert await _due_day(desk, item_id) == "2020-10-30"
    await _told(c.deputy, "调整为 2020-10-30")

    # Asked again, declined: the liaison hears it in the chat and the due date stays.
    async with desk.browsing(c.liaison) as liaison:
        code, page = await liaison.act(item_id, "extension", text="资金未到位", day="2020-11-30")
        assert code == 200, page
    extension_id = await _extension_id(desk, item_id)
    async with desk.browsing(c.staff) as staff:
        code, page = await staff.act(item_id, "extension_decline", extension=extension_id)
        assert code == 200 and "已不同意" in page, page
        code, page = await staff.get(f"/items/{item_id}")
        assert "（不同意）" in page and "（已同意）" in page, page
    assert await _due_day(desk, item_id) == "2020-10-30"
    await _told(c.liaison_user, "未获同意")
    assert [a for a in await audit(bot, item_id) if a[0].startswith("extension")] == [
        ("extension", "refused: extension.date_not_later"),
        ("extension", "refused: extension.date_too_far"),
        ("extension", "done"),
        ("extension", "refused: extension.pending"),
        ("extension_approve", "refused: button_expired"),
        ("extension_approve", "done"),
        ("extension_decline", "refused: extension.already_decided"),
        ("extension", "done"),
        ("extension_decline", "done"),
    ]

    # The figures page: the unit's row, as /tally counts it.
    async with desk.browsing(c.staff) as staff:
        code, page = await staff.get("/figures")
        assert code == 200 and "责任单位办理情况" in page, page
        row = page.split('data-key="health">', 1)[1].split("</tr>", 1)[0]
        cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)
        # received 1, signed 0 of 1, nothing due to answer yet, 2 extensions asked.
        assert cells == ["市卫健委", "1", "0/1", "—", "0.0%", "—", "2", "0", "0"], cells
