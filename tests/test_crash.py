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

Kills at the exact moments that matter: tests/test_crash_moments.py; the world both tests
share (server, bot process, invited deputies, the database on disk): tests/crash_world.py.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter

from bot.notices import Notice
from tests.bot_says import ZH
from tests.crash_world import World, join, person_ids, query, world
from tests.deputy import Deputy, Tally
from tests.reliability import SOAK, STALE_READ_BUG, seed_for

__all__ = ["world"]

DEPUTIES = 50
KILLS = (30, 30) if SOAK else (3, 5)
# Seconds the bot runs between two kills, and stays dead before it is started again.
UPTIME = (1.0, 4.0)
DOWNTIME = (0.0, 0.6)
NOTICES_PER_DEPUTY = 2


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
