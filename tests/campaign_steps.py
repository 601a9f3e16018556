"""Two campaigns in one deployment for the tests: the city's and a district's, people joining
either or both, and the steps the tests of several campaigns share (tests/test_campaigns.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.catalog import Catalog
from bot.catalog_file import EXAMPLE_CATALOG, load_catalog
from bot.config import CampaignSettings
from bot.people import Role
from bot.records import CampaignRecord
from localapi import LocalBotApi, SimUser
from tests.conftest import Harness, make_settings, running_bot
from tests.serving import free_port
from tests.steps import check_in, open_invitation
from tests.web_steps import web_settings

CITY = "hangzhou-2020"
CITY_NAME = "杭州市2020年民生实事项目专项监督"
DISTRICT = "shangcheng-2020"
DISTRICT_NAME = "上城区2020年民生实事项目专项监督"


def district_catalog() -> Catalog:
    """The district's catalog: the example's projects and groups under a campaign of its own."""
    city = load_catalog(EXAMPLE_CATALOG)
    campaign = city.campaign.model_copy(update={"code": DISTRICT, "name": DISTRICT_NAME})
    # Its sites lie some 30 km north of the city's, out of a check-in's reach of them.
    sites = [s.model_copy(update={"lat": s.lat + 0.3}) for s in city.sites]
    return city.model_copy(update={"campaign": campaign, "sites": sites})


@pytest.fixture
async def city(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[Harness]:
    """One deployment serving the city's campaign and a district's; the city's staff see all."""
    settings = make_settings(
        api,
        tmp_path / "data",
        campaign=CampaignSettings(code=CITY, also=(DISTRICT,), city=CITY),
        web=web_settings(free_port()),
    )
    async with running_bot(api, settings, also=(district_catalog(),)) as harness:
        yield harness


async def cli(argv: list[str]) -> int:
    """The command line, in a thread of its own (it runs its own event loop) as a second client
    of the bot's database."""
    return await asyncio.to_thread(main, argv)


def campaign(bot: Harness, code: str) -> CampaignRecord:
    return next(c for c in bot.services.served if c.code == code)


_next_user = 900_000


async def join_in(bot: Harness, code: str, name: str, role: Role = Role.DEPUTY) -> SimUser:
    """Invite `name` into the campaign `code` and have them open the link on a new phone."""
    global _next_user
    _next_user += 1
    user = bot.api.user(_next_user, name, language_code="zh-hans")
    await invite_into(bot, code, user, role)
    return user


async def invite_into(bot: Harness, code: str, user: SimUser, role: Role = Role.DEPUTY) -> None:
    """Invite the person on `user`'s phone into the campaign `code` (as its operator would,
    `--campaign code`) and have them open the link; one already in another campaign then takes
    part in both."""
    with bot.services.acting_in(campaign(bot, code)):
        # Into G01, staff into no group: Harness.invite places them.
        token = await bot.invite(user.first_name, role)
    await open_invitation(user, token, user.first_name)


async def check_in_at(bot: Harness, code: str, deputy: SimUser) -> None:
    """Check in at the first site of group G01 of the campaign `code`."""
    with bot.services.acting_in(campaign(bot, code)):
        await check_in(bot, deputy)


async def switch_to(user: SimUser, name: str) -> str:
    await user.send_text("/campaign")
    listing = await user.next_message()
    assert f"切换到：{name}" in listing.buttons, listing.describe()
    await user.press(f"切换到：{name}")
    now = await user.next_message(edited=True)
    return now.text or ""


async def tally_of(staff: SimUser) -> str:
    await staff.send_text("/tally")
    said = [await staff.next_message(timeout=20)]
    said += await staff.settle(quiet=0.5)
    return "\n".join(m.text or "" for m in said)
