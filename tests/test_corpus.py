"""The bad-input corpus (tests/corpus/cases.py), every case through the real bot.

One bot serves the whole module; each stage (a deputy at the description step, a liaison, a
stranger...) is reached once and kept while its cases leave the user there, so that the corpus
stays fast. For every case: the expected answer arrives, no internal error happened (nothing
logged at ERROR, the local Bot API saw no bad call, the user was never told "internal_error"),
every pressed button got its answer, and the database (every table but the conversation store)
and the photo files are exactly as before, except the tables the case may change.

The machinery is in tests/corpus/: stages.py reaches the stages, perform.py does the acts,
observing.py hears the answer and checks its HTML, checks.py compares the database.
"""

from __future__ import annotations

import logging
import string
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot.bootstrap import database_of
from bot.clock import to_db
from bot.items import Item
from bot.people import Person, Role
from bot.review_rules import accept, ask_more
from bot.texts import catalog
from bot.unit_rules import forward
from localapi import LocalBotApi
from tests.conftest import BOT_USERNAME, TOKEN, Harness, make_settings, start_harness
from tests.corpus.cases import CASES
from tests.corpus.checks import CHECKS, Run, _draft, snapshot
from tests.corpus.model import Case
from tests.corpus.observing import INTERNAL_ERROR, html_problems, observe
from tests.corpus.perform import _fill, perform
from tests.corpus.stages import ZH, Place, World, reach
from tests.rating_steps import answered_item, delivered, raise_item, reload
from tests.steps import check_in

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """Items in the states the buttons point at, and invitations: fresh, expired, used."""
    async with LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME) as api:
        data = tmp_path_factory.mktemp("corpus") / "data"
        bot = await start_harness(api, make_settings(api, data))
        try:
            raiser = await bot.join("王芳")
            leader = await bot.join("李组长", Role.LEADER, group="G01")
            staff = await bot.join("赵工作", Role.STAFF, group=None)
            liaison = await bot.join("钱联络", Role.LIAISON, group=None, unit="health")
            people = [await bot.person(u) for u in (raiser, leader, staff, liaison)]
            await check_in(bot, raiser)
            answered = await answered_item(bot, [people[0]], *people[1:])
            forwarded = await _forwarded_to_health(bot, people[0], people[1], people[2])
            asked = await raise_item(bot, people[0], "校门口临时停车泊位不足，接送拥堵")
            parties = await bot.services.items.parties(asked)
            change = ask_more(asked, people[1], "请补充拥堵时段和照片", parties)
            assert await bot.services.apply(change, bot.now())
            await delivered(bot, raiser, leader, staff, liaison)

            used = await bot.invite("已用邀请")
            taker = api.user(690_001, "先来者", language_code="zh-hans")
            await taker.send_text(f"/start {used}")
            await taker.next_message()
            expired = await bot.invite("过期邀请")
            fresh = await bot.invite("新邀请")
            async with database_of(bot.services).transaction() as conn:
                await conn.execute(
                    "UPDATE invitations SET expires_at = ? "
                    "WHERE person_id = (SELECT id FROM persons WHERE name = '过期邀请')",
                    (to_db(bot.now() - timedelta(minutes=1)),),
                )
            site = await bot.site_of_group("G01")
            refs = {
                "answered_id": answered.id,
                "answered_number": answered.display_number,
                "forwarded_id": forwarded.id,  # forwarded to 市卫健委 (health)
                "forwarded_number": forwarded.display_number,
                "others_visit_id": await bot.value(
                    "SELECT id FROM visits WHERE person_id = ?", people[0].id
                ),
                "people": people,
                "asked_id": asked.id,
                "others_id": asked.id,
                "fresh_token": fresh,
                "expired_token": expired,
                "used_token": used,
                "site_lat": site.lat,
                "site_lon": site.lon,
                "site_name": site.name,
                "raiser": raiser,
            }
            yield World(bot, refs)
        finally:
            await bot.stack.aclose()
            await bot.services.close()


async def _forwarded_to_health(bot: Harness, author: Person, leader: Person, staff: Person) -> Item:
    """Raised, accepted by the leader and forwarded to its lead unit, as the screens do it."""
    services = bot.services
    item = await raise_item(bot, author, "实验室通风系统安装滞后")
    now = bot.now()
    assert await services.apply(accept(item, leader, await services.items.parties(item), now), now)
    item = await reload(bot, item)
    assert item.lead_unit_id is not None
    parties = await services.items.parties(item, unit_id=item.lead_unit_id)
    change = forward(item, staff, item.lead_unit_id, parties, now, services.policy)
    assert await services.apply(change, now)
    return await reload(bot, item)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stages(world: World) -> dict[str, Place]:
    """Places reached so far, reused by the next case of the same stage."""
    return {}


# --- the cases ----------------------------------------------------------------------------------


def expected_text(key: str, params: dict[str, Any]) -> str:
    """The Chinese text of `key`; up to the first placeholder the case leaves open (a link,
    a time) when not every parameter is given."""
    template = catalog("zh")[key]
    out = []
    for literal, name, spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        if name not in params:
            break
        out.append(format(params[name], spec or ""))
    return "".join(out)


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
    return pytest.param(case, id=case.id, marks=marks)


def test_corpus_is_big_and_named_once() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert len(CASES) >= 50
    for c in CASES:
        if c.expect.key is not None:
            assert ZH.has(c.expect.key), c.id
        if c.check is not None:
            assert c.check in CHECKS, c.id


def test_html_problems_finds_what_telegram_refuses() -> None:
    assert html_problems('<b>问题 2020-0001</b> &lt;script&gt; &amp; <a href="x">链接</a>') == []
    assert html_problems("<script>alert(1)</script>")
    assert html_problems("A & B")
    assert html_problems("<b>未闭合")
    assert html_problems("1 < 2")


@MODULE_LOOP
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
async def test_case(
    case: Case, world: World, stages: dict[str, Place], caplog: pytest.LogCaptureFixture
) -> None:
    bot = world.bot
    place = await reach(world, stages, case.stage)
    refs = {**world.refs, **place.refs}
    if case.stage == "photos":
        draft = await _draft(bot, place)
        count = int(await bot.value("SELECT COUNT(*) FROM photos WHERE item_id = ?", draft["id"]))
        refs.update(photos_now=count, photos_next=count + 1)
    run = Run(world, place, case, len(bot.api.downloads), int(refs.get("photos_now", 0)))
    errors_before = len(bot.api.internal_errors)
    place.user.drain()
    if place.group is not None:
        place.group.drain()
    answers_from = len(place.user.answers.items)
    before = await snapshot(bot)
    ok = False
    try:
        with caplog.at_level(logging.WARNING):
            presses = 0
            for act in case.acts:
                presses += await perform(act, place, refs, bot.api)
            expect = case.expect
            wanted = (
                expected_text(
                    expect.key,
                    {
                        k: _fill(v, refs) if isinstance(v, str) else v
                        for k, v in expect.params.items()
                    },
                )
                if expect.key is not None
                else None
            )
            seen = await observe(place, answers_from, wanted, expect.via)

        story = f"{case.id}: expected {wanted!r} via {expect.via}; the bot did:\n{seen.describe()}"
        if wanted is None:
            assert not seen.messages and not any(seen.alerts), story
        elif expect.via == "alert":
            assert any(wanted in a for a in seen.alerts), story
        elif expect.via == "chat":
            assert any(wanted in t for t in seen.texts()), story
        else:
            assert any(wanted in t for t in [*seen.alerts, *seen.texts()]), story
        assert not any(INTERNAL_ERROR in t for t in [*seen.texts(), *seen.alerts]), story
        for message in seen.messages:
            if message.parse_mode == "HTML" and message.text:
                assert not html_problems(message.text), (html_problems(message.text), story)
        assert len(seen.alerts) >= presses, f"a pressed button was never answered\n{story}"
        assert bot.api.internal_errors[errors_before:] == []
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]

        after = await snapshot(bot)
        changed = {t for t in after if before.get(t) != after[t]}
        assert changed <= case.changes, {t: (before.get(t), after[t]) for t in changed}
        if case.check is not None:
            run.seen = seen
            await CHECKS[case.check](run)
        ok = True
    finally:
        if not ok or not case.stays:
            # The user may be anywhere now; the next case of this stage starts afresh.
            stages.pop(case.stage, None)
