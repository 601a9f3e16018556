"""Crash: the bot process is SIGKILLed at random moments while 50 deputies check in and report
problems, and started again, several times. Afterwards every item a deputy was told was saved
exists exactly once, no item exists that its author was not told about (drafts aside), every
deputy can go on or /cancel, the database is intact and no notice was lost.

The bot runs as `python -m bot run` in its own process against the local Bot API server of this
test; the deputies are simulated phones (tests/deputy.py). A kill loses only what was in
memory: every update is journaled before Telegram is told it arrived, and marked done together
with the conversation it leaves (handlers/intake.py), so the restarted bot answers what was in
flight and every conversation goes on from the last step that was answered. The deputies tap
once and wait; the test counts steps never answered and flows a deputy had to start over, and
both must be 0.

How "told" is observed: the bot's reply to the confirm tap ("✅ 已提交：问题 2020-NNNN"), or
its answer after a crash ("已提交过：问题 2020-NNNN", or the reply again when the tap was
processed again).

Default: 50 deputies, 3-5 kills, well under a minute. DEPUTY_BOT_SOAK=1: 30 kills.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.bootstrap import open_services
from bot.clock import SetClock
from bot.config import load_settings
from bot.invitations import InvitationRequest
from bot.notices import Notice
from bot.people import Role
from bot.services import Services
from bot.usecases.membership import issue_invitation
from localapi import LocalBotApi
from localapi.models import ApiCall, ApiError
from tests.bot_process import BotProcess
from tests.bot_says import ZH, has_button, says
from tests.conftest import BOT_USERNAME, TOKEN, open_with_example, start_clock
from tests.deputy import Deputy, Tally
from tests.images import make_jpeg
from tests.reliability import SOAK, STALE_READ_BUG, seed_for

DEPUTIES = 50
KILLS = (30, 30) if SOAK else (3, 5)
# Seconds the bot runs between two kills, and stays dead before it is started again.
UPTIME = (1.0, 4.0)
DOWNTIME = (0.0, 0.6)
NOTICES_PER_DEPUTY = 2


@dataclass
class World:
    api: LocalBotApi
    bot: BotProcess
    config: Path
    database: Path
    clock: SetClock

    async def services(self) -> Services:
        return await open_services(load_settings(self.config), clock=self.clock)


def write_config(folder: Path, api: LocalBotApi) -> Path:
    """The production defaults except where the test needs otherwise: the local server, no
    daily jobs (they would fire at 09:00 and 20:00), and no per-chat spacing of notices."""
    config = folder / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{api.base_url}"\nbase_file_url = "{api.base_file_url}"\n'
        f'bot_username = "{BOT_USERNAME}"\n\n'
        f'[storage]\ndata_dir = "{folder / "data"}"\n\n'
        "[schedule]\nenabled = false\n\n"
        # 50 deputies tapping without pause want more than Telegram's 30 messages a second;
        # this test is about crashes (tests/test_flood.py keeps to Telegram's limits).
        "[outbox]\nper_chat_seconds = 0\nmessages_per_second = 400\n",
        encoding="utf-8",
    )
    return config


async def prepare(
    config: Path, count: int, clock: SetClock
) -> tuple[list[str], list[tuple[float, float, str]]]:
    """Import the catalog and invite `count` deputies, spread over the supervision groups;
    returns their invitation tokens and the site each will check in at."""
    settings = load_settings(config)
    services = await open_with_example(settings, clock)
    try:
        campaign_id = services.campaign.id
        sites: dict[str, tuple[float, float, str]] = {}
        for code in (f"G{n:02d}" for n in range(1, 11)):
            group = await services.catalog.group_by_code(campaign_id, code)
            assert group is not None, code
            for project_id in sorted(await services.catalog.group_project_ids(group.id)):
                found = await services.catalog.sites_of_project(campaign_id, project_id)
                if found:
                    sites[code] = (found[0].lat, found[0].lon, found[0].name)
                    break
        codes = sorted(sites)
        tokens, places = [], []
        for n in range(count):
            code = codes[n % len(codes)]
            issued = await issue_invitation(
                services,
                InvitationRequest(f"代表{n:03d}", Role.DEPUTY, code, None),
                bot_username=BOT_USERNAME,
                created_by=None,
            )
            tokens.append(issued.token)
            places.append(sites[code])
        return tokens, places
    finally:
        await services.close()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME) as api:
        config = write_config(tmp_path, api)
        clock = start_clock()
        bot = BotProcess(api, config, tmp_path, TOKEN, clock)
        try:
            yield World(api, bot, config, tmp_path / "data" / "deputy-bot.sqlite3", clock)
        finally:
            code = await bot.stop()
            assert code in (0, -9), f"the bot exited with {code}: {bot.tail()}"
            assert not api.internal_errors, api.internal_errors


def query(database: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(database)) as conn:
        return list(conn.execute(sql, params).fetchall())


async def join(world: World, count: int, seed: int) -> list[Deputy]:
    tokens, places = await prepare(world.config, count, world.clock)
    await world.bot.start()
    deputies = [
        Deputy(
            world.api.user(900_000 + n, f"代表{n:03d}", language_code="zh-hans"),
            world.bot,
            places[n],
            random.Random(seed * 1000 + n),
        )
        for n in range(count)
    ]

    async def open_link(deputy: Deputy, token: str) -> None:
        welcome = await deputy.step(
            "/start", deputy.text(f"/start {token}"), lambda s: deputy.user.first_name in s.text
        )
        assert welcome is not None, deputy.tally.failures

    await asyncio.gather(*(open_link(d, t) for d, t in zip(deputies, tokens, strict=True)))
    return deputies


def person_ids(world: World) -> dict[int, int]:
    """telegram user id -> person id."""
    return {
        int(str(tg)): int(str(pid))
        for pid, tg in query(
            world.database,
            "SELECT id, telegram_user_id FROM persons WHERE telegram_user_id IS NOT NULL",
        )
    }


async def queue_notices(world: World, people: list[int], per_person: int) -> list[str]:
    """Notices queued by another process while the bot runs (as a daily job or staff would)."""
    services = await world.services()
    try:
        notices = [
            Notice(person, text=f"📣 通知 crash-{person}-{k}", dedup=f"crash-{person}-{k}")
            for person in people
            for k in range(per_person)
        ]
        await services.outbox.enqueue(notices, services.clock.now())
        return [notice.text or "" for notice in notices]
    finally:
        await services.close()


async def wait_for_outbox(world: World, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        pending = query(
            world.database,
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND gave_up_at IS NULL",
        )[0][0]
        if pending == 0:
            return
        assert time.monotonic() < deadline, f"{pending} notices still pending: {world.bot.tail()}"
        await asyncio.sleep(0.2)


def check_items(world: World, deputies: list[Deputy], persons: dict[int, int]) -> Counter[str]:
    """The item invariants; returns how each item was told (reply, again, mine)."""
    how: Counter[str] = Counter()
    problems: list[str] = []
    for deputy in deputies:
        name, tally = deputy.user.first_name, deputy.tally
        person = persons[deputy.user.user_id]
        for number in tally.told:
            rows = query(
                world.database,
                "SELECT i.status, i.author_id FROM items i JOIN campaigns c ON c.id = i.campaign_id "
                "WHERE printf('%d-%04d', c.year, i.number) = ?",
                number,
            )
            if len(rows) != 1 or rows[0] != ("submitted", person):
                problems.append(f"{name} was told {number} is saved, the database has {rows}")
        stored = query(
            world.database,
            "SELECT i.id, printf('%d-%04d', c.year, i.number), i.status FROM items i "
            "JOIN campaigns c ON c.id = i.campaign_id WHERE i.author_id = ? AND i.status != 'draft'",
            person,
        )
        for item_id, stored_number, status in stored:
            if stored_number not in tally.told:
                problems.append(f"{name}'s item {stored_number} ({status}) was never shown to them")
            if item_id not in tally.confirmed:
                problems.append(
                    f"{name}'s item {stored_number} exists but they never tapped confirm on it"
                )
        how.update(tally.told.values())
    assert not problems, "\n".join(problems)
    return how


def check_notices(world: World, deputies: list[Deputy], texts: list[str]) -> tuple[int, int]:
    """Every notice arrived. Returns how many arrived twice, and how many of those were sent
    twice by one process. The others are the sender's documented window: the process died
    after Telegram took the message and before the row was marked sent."""
    received: Counter[str] = Counter()
    for deputy in deputies:
        for message in deputy.user.chat.events.items:
            if not message.edited and message.text in texts:
                received[message.text or ""] += 1
    missing = [text for text in texts if received[text] == 0]
    assert not missing, f"{len(missing)} notices never arrived, e.g. {missing[:3]}"
    unsent = query(world.database, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")[0][0]
    assert unsent == 0, f"{unsent} outbox rows not marked sent"
    twice = [text for text, n in received.items() if n > 1]
    within_one_process = []
    for text in twice:
        # Sent by two processes: the first one died after Telegram took the message and before
        # the row was marked sent (or with the request still on the wire).
        times = [c.time for c in world.api.calls if c.ok and c.params.get("text") == text]
        if not any(times[0] < spawn < times[-1] for spawn in world.bot.spawned):
            within_one_process.append(text)
    return len(twice), len(within_one_process)


async def test_deputies_keep_their_items_through_repeated_sigkills(world: World) -> None:
    seed = seed_for("crash")
    rng = random.Random(seed)
    started = time.monotonic()
    deputies = await join(world, DEPUTIES, seed)
    persons = person_ids(world)
    joined = time.monotonic()
    kills = rng.randint(*KILLS)
    chaos_over = asyncio.Event()
    notice_texts: list[str] = []

    async def live(deputy: Deputy) -> None:
        """Check in and report, again and again, until the crashes are over."""
        for round_ in itertools.count(1):
            if await deputy.check_in():
                await deputy.report_problem(
                    f"{deputy.user.first_name} 第{round_}轮：外立面脚手架停工，现场无人施工。"
                )
            if chaos_over.is_set() or deputy.tally.failures:
                return

    async def chaos() -> None:
        for k in range(kills):
            await asyncio.sleep(rng.uniform(*UPTIME))
            await world.bot.kill()
            await asyncio.sleep(rng.uniform(*DOWNTIME))
            await world.bot.start()
            if k == 0:
                notice_texts.extend(
                    await queue_notices(world, sorted(persons.values()), NOTICES_PER_DEPUTY)
                )
        chaos_over.set()

    await asyncio.gather(chaos(), *(live(d) for d in deputies))
    chaos_done = time.monotonic()

    # Nothing is left hanging: every deputy's /cancel is answered, with the bot up for good.
    for deputy in deputies:
        deputy.skip_pending()
    cancelled = await asyncio.gather(*(d.cancel() for d in deputies))
    assert all(cancelled), "\n".join(f for d in deputies for f in d.tally.failures)
    # An item whose confirmation was lost with the buttons can still be found in /mine.
    for deputy in deputies:
        items = query(
            world.database,
            "SELECT printf('%d-%04d', c.year, i.number) FROM items i JOIN campaigns c "
            "ON c.id = i.campaign_id WHERE i.author_id = ? AND i.status != 'draft'",
            persons[deputy.user.user_id],
        )
        untold = {str(number) for (number,) in items} - set(deputy.tally.told)
        if untold:
            listed = await deputy.mine()
            for number in untold & listed:
                deputy.tally.told[number] = "mine"
    await wait_for_outbox(world)
    await asyncio.sleep(0.3)
    code = await world.bot.stop()
    assert code == 0, world.bot.tail()
    finished = time.monotonic()

    failures = [f"{d.user.first_name}: {f}" for d in deputies for f in d.tally.failures]
    assert not failures, "\n".join(failures)
    internal = sum(
        n for d in deputies for k, n in d.tally.trouble.items() if ZH("internal_error")[:12] in k
    )
    errors = world.bot.log_lines("ERROR")
    how = check_items(world, deputies, persons)
    duplicates, by_one_process = check_notices(world, deputies, notice_texts)
    assert query(world.database, "PRAGMA integrity_check") == [("ok",)]
    assert query(world.database, "PRAGMA foreign_key_check") == []
    assert (
        query(world.database, "SELECT dedup_key FROM outbox GROUP BY dedup_key HAVING COUNT(*) > 1")
        == []
    )

    totals = Tally()
    trouble: Counter[str] = Counter()
    for d in deputies:
        for name in (
            "checkins",
            "reports",
            "crossed",
            "unanswered",
            "cancelled",
            "cancelled_after_kill",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(d.tally, name))
        trouble.update(d.tally.trouble)
    drafts = query(world.database, "SELECT COUNT(*) FROM items WHERE status = 'draft'")[0][0]
    print(
        f"crash: seed {seed}, {DEPUTIES} deputies, {kills} kills, {world.bot.starts} starts "
        f"(start {min(world.bot.start_seconds):.2f}-{max(world.bot.start_seconds):.2f}s); "
        f"join {joined - started:.1f}s, chaos {chaos_done - joined:.1f}s, "
        f"checks {finished - chaos_done:.1f}s\n"
        f"  items told: {dict(how)}; check-ins {totals.checkins}, reports {totals.reports}, "
        f"drafts left {drafts}\n"
        f"  steps a kill fell into {totals.crossed}, answered after the restart; steps never "
        f"answered {totals.unanswered}; flows started over {totals.cancelled} "
        f"(after a kill {totals.cancelled_after_kill})\n"
        f"  notices {len(notice_texts)}, delivered twice {duplicates} (by one process "
        f"{by_one_process}); internal errors {internal}; "
        f"ERROR log lines {len(errors)}\n  trouble: {dict(trouble)}",
        flush=True,
    )
    for deputy in deputies:
        if deputy.tally.trouble:
            print(f"{deputy.user.first_name}: {dict(deputy.tally.trouble)}\n{deputy.diagnose()}")
    assert internal == 0 and not errors, errors[:10]
    assert not by_one_process, f"{by_one_process} {STALE_READ_BUG}"
    # No input lost: every step was answered, no flow had to be started over, and every number
    # came in the bot's answer to the confirm tap.
    assert totals.unanswered == 0 and totals.cancelled == 0, dict(trouble)
    assert how["mine"] == 0, dict(how)


# --- kills at the exact moments that matter ---------------------------------------------------
#
# The random kills above rarely land in a window a few milliseconds wide. These kill the process
# from an interceptor at the very call that opens the window, so each window is tried every run.


def kill_at(world: World, wanted: Callable[[ApiCall], bool]) -> asyncio.Event:
    """Arm a SIGKILL for the first call `wanted` recognises, before that call is carried out;
    returns an event set once the bot is back."""
    back = asyncio.Event()
    armed = [True]

    async def restart() -> None:
        await world.bot.reap()
        await world.bot.start()
        back.set()

    async def interceptor(call: ApiCall) -> ApiError | None:
        if armed[0] and wanted(call):
            armed[0] = False
            world.bot.kill_now()
            tasks.append(asyncio.create_task(restart()))
            return ApiError(500, "the bot died before this call was carried out")
        return None

    tasks: list[asyncio.Task[None]] = []
    world.api.interceptors.append(interceptor)
    return back


def to_chat(deputy: Deputy, method: str, text: str = "") -> Callable[[ApiCall], bool]:
    return lambda call: (
        call.method == method
        and call.params.get("chat_id") == deputy.user.user_id
        and text in str(call.params.get("text", ""))
    )


async def one_deputy(world: World) -> tuple[Deputy, int]:
    """A joined deputy who has checked in; returns them and their person id."""
    [deputy] = await join(world, 1, 1)
    deputy.think = 0
    assert await deputy.check_in(), deputy.tally.failures
    return deputy, person_ids(world)[deputy.user.user_id]


def items_of(world: World, person: int) -> list[tuple[object, ...]]:
    return query(
        world.database,
        "SELECT i.id, printf('%d-%04d', c.year, i.number), i.status FROM items i "
        "JOIN campaigns c ON c.id = i.campaign_id WHERE i.author_id = ? AND i.status != 'draft'",
        person,
    )


async def test_a_kill_after_the_item_is_stored_and_before_the_reply_still_tells_the_number(
    world: World,
) -> None:
    deputy, person = await one_deputy(world)
    assert await deputy.open_report("外立面脚手架停工两周，现场无人。")
    # The item is committed and numbered and the number sent; the bot now takes the buttons off
    # the summary, and dies there.
    back = kill_at(world, to_chat(deputy, "editMessageReplyMarkup"))

    told = await deputy.confirm()
    await asyncio.wait_for(back.wait(), 30)

    assert back.is_set() and world.bot.starts == 2
    assert told is not None, deputy.diagnose()
    [(item_id, number, status)] = items_of(world, person)
    assert status == "submitted" and deputy.tally.told == {number: "reply"}
    assert deputy.tally.confirmed == {item_id} and deputy.tally.unanswered == 0


async def test_a_kill_after_the_item_is_stored_and_before_the_number_leaves_is_told_after(
    world: World,
) -> None:
    deputy, person = await one_deputy(world)
    assert await deputy.open_report("外立面脚手架停工两周，现场无人。")
    # The item is committed and numbered; the bot dies as it sends the number.
    back = kill_at(world, to_chat(deputy, "sendMessage", ZH("report_submitted", label="")[:5]))

    told = await deputy.confirm()

    await asyncio.wait_for(back.wait(), 30)
    [(_, number, status)] = items_of(world, person)
    assert status == "submitted"
    # The tap was journaled: the restarted bot processes it again and names the same number,
    # without the deputy tapping again or looking in /mine.
    assert told is not None, deputy.diagnose()
    assert deputy.tally.told == {number: "reply"} and world.bot.starts == 2


async def test_a_photo_sent_after_a_kill_right_after_the_submit_changes_nothing(
    world: World,
) -> None:
    deputy, person = await one_deputy(world)
    assert await deputy.open_report("脚手架停工两周，现场无人。")
    assert await deputy.confirm()
    await world.bot.kill()
    await world.bot.start()
    [(item_id, number, _)] = items_of(world, person)

    await deputy.user.send_photo(make_jpeg(640, 480, pattern_seed=5))
    await asyncio.sleep(2)

    photos = query(world.database, "SELECT COUNT(*) FROM photos WHERE item_id = ?", item_id)
    assert photos == [(0,)], f"{number} was submitted without photos and now has {photos[0][0]}"


async def test_a_tap_on_the_next_check_in_step_after_a_kill_is_answered(world: World) -> None:
    deputy, _ = await one_deputy(world)
    assert await deputy.step(
        "/checkin", deputy.text("/checkin"), says(ZH("checkin_ask_location")), starts=True
    )
    assert await deputy.step("location", deputy.location(), has_button(deputy.site_name))
    # The visit is stored and its message edited; the bot dies as it asks for photos. The site
    # tap is processed again after the restart: its edit finds the message already edited
    # (Telegram: "message is not modified"), which must not fail the step.
    back = kill_at(world, to_chat(deputy, "sendMessage", ZH("checkin_photos_prompt")[:8]))
    assert await deputy.step(
        "site", deputy.press(deputy.site_name), says(ZH("checkin_photos_prompt"))
    )
    await asyncio.wait_for(back.wait(), 30)

    finished = await deputy.step(
        "done", deputy.press(ZH("button.done")), says(ZH("checkin_finished", count="0")[:6])
    )

    assert finished is not None, deputy.diagnose()
    assert world.bot.log_lines("ERROR") == []
    visits = query(world.database, "SELECT COUNT(*) FROM visits")
    assert visits == [(2,)]  # the one of one_deputy() and this one, not a third


async def test_a_report_goes_on_from_the_step_answered_before_a_kill(world: World) -> None:
    deputy, person = await one_deputy(world)
    for what, action, want in (
        ("/problem", deputy.text("/problem"), says(ZH("report_choose_recent"))),
        ("place", deputy.press("签到）"), says(ZH("report_choose_category"))),
        ("category", deputy.press("进度滞后"), has_button("较重")),
        ("severity", deputy.press("较重"), says("请用文字描述")),
    ):
        assert await deputy.step(what, action, want, starts=what == "/problem")
    # The bot dies while it answers the description: it is processed again after the restart.
    back = kill_at(world, to_chat(deputy, "sendMessage", "可以发送照片"))
    assert await deputy.step(
        "description", deputy.text("脚手架停工两周，现场无人。"), says("可以发送照片")
    )
    await asyncio.wait_for(back.wait(), 30)

    assert await deputy.step(
        "photos", deputy.press(ZH("report_photos_skip")), says(ZH("report_summary_title"))
    )
    assert await deputy.confirm()
    [(_, _, status)] = items_of(world, person)
    assert status == "submitted"
    assert deputy.tally.unanswered == 0 and deputy.tally.cancelled == 0
