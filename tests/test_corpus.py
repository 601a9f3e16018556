"""The bad-input corpus (tests/corpus/cases.py), every case through the real bot.

One bot serves the whole module; each stage (a deputy at the description step, a liaison, a
stranger...) is reached once and kept while its cases leave the user there, so that the corpus
stays fast. For every case: the expected answer arrives, no internal error happened (nothing
logged at ERROR, the local Bot API saw no bad call, the user was never told "internal_error"),
every pressed button got its answer, and the database (every table but the conversation store)
and the photo files are exactly as before, except the tables the case may change.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import string
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot.bootstrap import database_of
from bot.clock import to_db
from bot.items import Item, clean_description
from bot.people import Person, Role
from bot.review_rules import accept, ask_more
from bot.texts import Texts, catalog
from bot.unit_rules import forward
from localapi import BotMessage, LocalBotApi, SimGroup, SimUser
from localapi.models import JSONDict
from tests.conftest import BOT_USERNAME, TOKEN, Harness, make_settings, reply_to, start_harness
from tests.corpus.cases import CASES
from tests.corpus.inputs import GENERATORS
from tests.corpus.model import Act, Case
from tests.rating_steps import answered_item, delivered, press_rating, raise_item, reload
from tests.steps import DESCRIPTION, check_in, problem_up_to_description, skip_photos

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")

ZH = Texts("zh")
INTERNAL_ERROR = ZH("internal_error")
# The inbound journal records every update, bad or not, and the conversation is saved with each
# step (its scratch data carries draft ids and album acknowledgements): neither is domain data.
VOLATILE_TABLES = {"inbound", "conversations"}
# The console's full-text index (migration 0008) and its shadow tables are kept by triggers from
# items.description: they change exactly when items does, which the snapshot already compares.
DERIVED_TABLES = "items_text"
# What a notice says and to whom is the input's doing; its delivery is the sender's, and may go
# on while a case runs (replies go first).
COMPARED_COLUMNS = {"outbox": "id, dedup_key, person_id, payload"}
ANSWER_TIMEOUT = 10.0
WRONG_ANSWER_WAIT = 2.0


# --- the world every stage shares ---------------------------------------------------------------


@dataclass
class World:
    bot: Harness
    refs: dict[str, Any]
    next_id: int = 0

    def name(self, base: str) -> str:
        """A new person's name, different for each stage reached."""
        self.next_id += 1
        return f"{base}{self.next_id}"


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


async def until(user: SimUser, fragment: str) -> BotMessage:
    """The bot's next message (new or edited) containing `fragment`."""
    while True:
        message = await user.next_message()
        if fragment in (message.text or ""):
            return message


# --- stages -------------------------------------------------------------------------------------


@dataclass
class Place:
    """A user at a stage; `refs` are what the cases' strings may name."""

    user: SimUser
    refs: dict[str, Any]
    group: SimGroup | None = None
    person_id: int | None = None


async def _deputy(world: World) -> tuple[SimUser, dict[str, Any]]:
    name = world.name("张代表")
    user = await world.bot.join(name)
    return user, {"idle_name": name}


async def _stranger(world: World) -> Place:
    world.next_id += 1
    user = world.bot.api.user(680_000 + world.next_id, "路人", language_code="zh-hans")
    await user.send_text("/start")
    await user.next_message()
    return Place(user, {})


async def _idle(world: World) -> Place:
    user, refs = await _deputy(world)
    # Yesterday's conversation: a keyboard from a /problem that was cancelled.
    await user.send_text("/problem")
    keyboard = await user.next_message()
    await user.send_text("/cancel")
    await user.settle(quiet=0.1)
    refs["stale_message"] = keyboard.message_id
    return Place(user, refs)


async def _description(world: World) -> Place:
    user, refs = await _deputy(world)
    await check_in(world.bot, user)
    await problem_up_to_description(user)
    await user.settle(quiet=0.05)
    return Place(user, refs)


async def _photos(world: World) -> Place:
    place = await _description(world)
    await place.user.send_text(DESCRIPTION)
    assert "可以发送照片" in ((await place.user.next_message()).text or "")
    return place


async def _location(world: World) -> Place:
    user, refs = await _deputy(world)
    assert "当前位置" in await reply_to(user, "/checkin")
    return Place(user, refs)


async def _group(world: World) -> Place:
    user, refs = await _deputy(world)
    group = world.bot.api.group(-1_001_000_000 - world.next_id, "第一监督小组工作群")
    await user.send_text("大家好", chat=group)
    await group.settle(quiet=0.2)
    return Place(user, refs, group=group)


async def _site(world: World) -> Place:
    place = await _location(world)
    await place.user.send_location(
        world.refs["site_lat"], world.refs["site_lon"], horizontal_accuracy=8
    )
    await until(place.user, "请选择您所在的点位")
    return place


async def _place(world: World) -> Place:
    user, refs = await _deputy(world)
    await user.send_text("/problem")
    await until(user, "请选择所属项目")
    return Place(user, refs)


async def _confirm(world: World) -> Place:
    place = await _photos(world)
    await skip_photos(place.user)
    return place


async def _comment(world: World) -> Place:
    """A deputy who has just rated an answer and is asked for an optional comment."""
    bot = world.bot
    user, refs = await _deputy(world)
    person = await bot.person(user)
    _raiser, leader, staff, liaison = world.refs["people"]
    item = await answered_item(bot, [person], leader, staff, liaison)
    await delivered(bot, user)
    await press_rating(user, item, "satisfied")
    await until(user, "还有具体意见")
    return Place(user, refs)


async def _health_liaison_at(world: World, button: str, prompt: str) -> Place:
    """A new liaison of the lead unit opens the forwarded item and presses `button`."""
    user = await world.bot.join(world.name("吴联络"), Role.LIAISON, group=None, unit="health")
    await user.send_text("/inbox")
    await until(user, "交办事项")
    await user.press(world.refs["forwarded_number"])
    await until(user, world.refs["forwarded_number"])
    await user.press(button)
    if button == "📨 答复":
        await until(user, "请选择答复类型")
        await user.press("A 类")
    await until(user, prompt)
    await user.settle(quiet=0.05)
    return Place(user, {})


async def _progress(world: World) -> Place:
    return await _health_liaison_at(world, "📝 报告进展", "请输入办理进展")


async def _answer(world: World) -> Place:
    return await _health_liaison_at(world, "📨 答复", "请输入答复内容")


async def _invite_name(world: World) -> Place:
    """Staff inviting a deputy of the first group, asked for the name."""
    user = await world.bot.join(world.name("郑工作"), Role.STAFF, group=None)
    await user.send_text("/invite")
    await until(user, "请选择被邀请人的角色")
    await user.press(ZH("role.deputy"))
    scope = await until(user, "请选择所属监督小组")
    await user.press(scope.buttons[0])
    await until(user, "请输入被邀请人")
    return Place(user, {})


async def _liaison(world: World) -> Place:
    user = await world.bot.join(world.name("孙联络"), Role.LIAISON, group=None, unit="edu")
    return Place(user, {})


async def _staff(world: World) -> Place:
    user = await world.bot.join(world.name("周工作"), Role.STAFF, group=None)
    return Place(user, {})


async def _raiser(world: World) -> Place:
    user: SimUser = world.refs["raiser"]
    await user.settle(quiet=0.05)
    return Place(user, {})


STAGE_SETUP: dict[str, Callable[[World], Awaitable[Place]]] = {
    "stranger": _stranger,
    "idle": _idle,
    "description": _description,
    "photos": _photos,
    "location": _location,
    "group": _group,
    "site": _site,
    "place": _place,
    "confirm": _confirm,
    "comment": _comment,
    "progress": _progress,
    "answer": _answer,
    "invite_name": _invite_name,
    "liaison": _liaison,
    "staff": _staff,
    "raiser": _raiser,
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stages(world: World) -> dict[str, Place]:
    """Places reached so far, reused by the next case of the same stage."""
    return {}


async def reach(world: World, stages: dict[str, Place], stage: str) -> Place:
    place = stages.get(stage)
    if place is None:
        place = await STAGE_SETUP[stage](world)
        person = await world.bot.services.people.by_telegram_id(place.user.user_id)
        place.person_id = person.id if person else None
        stages[stage] = place
    return place


# --- doing and observing ------------------------------------------------------------------------


def _fill(value: str, refs: dict[str, Any]) -> str:
    return value.format(**refs) if "{" in value else value


def _input(act: Act) -> Any:
    generator = act.options.get("generator") or act.data
    return GENERATORS[generator]()


def _raw_message(
    api: LocalBotApi, user: SimUser, chat: SimGroup | None, fields: dict[str, Any]
) -> None:
    """A message of a kind the simulator has no helper for (voice, dice...), as Telegram sends it."""
    state = chat.chat if chat else user.chat
    file_part = {"file_id": f"AwAD{state.last_message_id}x", "file_unique_id": "AgADraw"}
    body = {
        k: ({**file_part, **v} if k in ("voice", "video_note") else v) for k, v in fields.items()
    }
    message: JSONDict = {
        "message_id": state.next_message_id(),
        "from": user.as_user(),
        "chat": state.as_chat(),
        # Telegram's own clock, as the local server stamps messages; the bot never reads it.
        "date": int(time.time()),
        **body,
    }
    state.messages[message["message_id"]] = message
    api.push_update({"message": message}, chat_id=state.id)


def _nonce(user: SimUser) -> str:
    """The nonce of the open conversation, from its newest keyboard."""
    for message in reversed(user.messages):
        for data in message.button_data.values():
            parts = data.split(":")
            if len(parts) == 4:
                return parts[1]
    raise AssertionError("no conversation keyboard in the chat")


def _last_message_id(user: SimUser, group: SimGroup | None) -> int:
    messages = (group.chat if group else user.chat).messages
    return max(messages)


async def perform(act: Act, place: Place, refs: dict[str, Any], api: LocalBotApi) -> int:
    """Do what the act says; returns how many buttons were pressed."""
    user = place.user
    group = place.group if act.options.get("group") else None
    site = (refs["site_lat"], refs["site_lon"])
    if act.kind == "text":
        value = _input(act) if act.options.get("generator") else _fill(act.data, refs)
        await user.send_text(value, chat=group)
    elif act.kind == "photo":
        await user.send_photo(_input(act), chat=group)
    elif act.kind == "document":
        await user.send_document(
            _input(act),
            file_name=act.options["file_name"],
            mime_type=act.options["mime"],
            chat=group,
        )
    elif act.kind == "sticker":
        await user.send_sticker(chat=group)
    elif act.kind == "contact":
        await user.send_contact(chat=group)
    elif act.kind == "raw":
        _raw_message(api, user, group, act.options)
    elif act.kind == "location":
        lat, lon = site if act.options.get("at_site") else (act.options["lat"], act.options["lon"])
        await user.send_location(
            lat,
            lon,
            horizontal_accuracy=act.options.get("accuracy"),
            forwarded=bool(act.options.get("forwarded")),
            chat=group,
        )
    elif act.kind == "venue":
        await user.send_venue(*site, refs["site_name"], "杭州市", chat=group)
    elif act.kind == "live":
        sent = await user.send_location(*site, horizontal_accuracy=8, live_period=900)
        # The moves come after the bot answered the shared location (left for observe to see).
        for _ in range(500):
            if user.pending:
                break
            await asyncio.sleep(0.01)
        await user.update_live_location(sent, site[0] + 0.0003, site[1] + 0.0002)
    elif act.kind == "edit":
        chat = group.chat if group else user.chat
        own = [
            m
            for _, m in sorted(chat.messages.items())
            if m.get("from", {}).get("id") == user.user_id and "text" in m
        ]
        await user.edit_text(own[-1]["message_id"], _fill(act.data, refs))
    elif act.kind == "press":
        if "{nonce}" in act.data:
            refs = {**refs, "nonce": _nonce(user)}
        await user.press_data(_last_message_id(user, group), _fill(act.data, refs), chat=group)
        return 1
    elif act.kind == "press_label":
        label = _fill(act.data, refs)
        for _ in range(500):  # the keyboard the label is on, once the bot has sent it
            if any(label in b for m in user.pending for b in m.buttons):
                break
            await asyncio.sleep(0.01)
        await user.press(label, chat=group)
        return 1
    elif act.kind == "press_stale":
        stale = refs["stale_message"]
        message = user.chat.bot_messages[stale]
        await user.press_data(stale, next(iter(message.button_data.values())))
        return 1
    else:
        raise AssertionError(f"unknown act {act.kind}")
    return 0


@dataclass
class Observed:
    messages: list[BotMessage] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [m.text or "" for m in self.messages]

    def describe(self) -> str:
        lines = [f"  message: {m.describe()}" for m in self.messages]
        lines += [f"  alert: {a!r}" for a in self.alerts]
        return "\n".join(lines) or "  (nothing)"


def _seen(place: Place, answers_from: int) -> Observed:
    messages = list(place.user.pending)
    if place.group is not None:
        messages += place.group.pending
    alerts = [a.text or "" for a in place.user.answers.items[answers_from:]]
    return Observed(messages, alerts)


async def observe(place: Place, answers_from: int, wanted: str | None, via: str) -> Observed:
    """Wait for the wanted answer (or for quiet, when silence is wanted), then for quiet.

    A wrong answer is not waited out: once the bot has said something, two seconds without a
    new word end the wait (a right answer comes well within that; the timeout is for a bot
    that says nothing at all).
    """
    loop = asyncio.get_running_loop()
    if wanted is not None:
        deadline = loop.time() + ANSWER_TIMEOUT
        heard, last_heard = 0, loop.time()
        while loop.time() < deadline:
            seen = _seen(place, answers_from)
            pool = {"alert": seen.alerts, "chat": seen.texts()}.get(
                via, [*seen.alerts, *seen.texts()]
            )
            if any(wanted in text for text in pool):
                break
            if any(INTERNAL_ERROR in text for text in [*seen.alerts, *seen.texts()]):
                break
            count = len(seen.messages) + len(seen.alerts)
            if count != heard:
                heard, last_heard = count, loop.time()
            elif heard and loop.time() - last_heard > WRONG_ANSWER_WAIT:
                break
            await asyncio.sleep(0.02)
    # Whatever follows the answer (a second reply, an error report) is part of what was seen.
    quiet = 0.1 if wanted is not None else 0.5
    chats: list[SimUser | SimGroup] = (
        [place.user] if place.group is None else [place.user, place.group]
    )
    events = await asyncio.gather(*(chat.settle(quiet=quiet) for chat in chats))
    alerts = [a.text or "" for a in place.user.answers.items[answers_from:]]
    return Observed([m for chat_events in events for m in chat_events], alerts)


# Telegram's HTML: these tags, and &lt; &gt; &amp; &quot; or numeric entities; nothing else.
_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "span",
    "tg-spoiler",
    "tg-emoji",
    "blockquote",
}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z-]*)(\s[^<>]*)?>")
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def html_problems(text: str) -> list[str]:
    """Why Telegram would refuse this text with parse_mode HTML ("can't parse entities")."""
    problems: list[str] = []
    stack: list[str] = []
    position = 0
    for match in _TAG_RE.finditer(text):
        if "<" in text[position : match.start()] or ">" in text[position : match.start()]:
            problems.append(f"a bare < or > before {match.group()!r}")
        closing, name = match.group(1), match.group(2).lower()
        if name not in _TAGS:
            problems.append(f"unsupported tag {match.group()!r}")
        elif closing:
            if not stack or stack.pop() != name:
                problems.append(f"unbalanced {match.group()!r}")
        else:
            stack.append(name)
        position = match.end()
    if "<" in text[position:] or ">" in text[position:]:
        problems.append("a bare < or > at the end")
    if stack:
        problems.append(f"unclosed {stack}")
    for at in (m.start() for m in re.finditer("&", text)):
        if not _ENTITY_RE.match(text, at):
            problems.append(f"a bare & at {at}: {text[at : at + 12]!r}")
    return problems


# --- the database, before and after -------------------------------------------------------------


async def snapshot(bot: Harness) -> dict[str, str]:
    """Every table's row count and a digest of its rows; the photo files' names."""
    db = database_of(bot.services)
    tables = [
        str(r[0])
        for r in await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    shot: dict[str, str] = {}
    for table in tables:
        if table in VOLATILE_TABLES or table.startswith(DERIVED_TABLES):
            continue
        columns = COMPARED_COLUMNS.get(table, "*")
        rows = sorted(
            repr(tuple(r)) for r in await db.fetch_all(f'SELECT {columns} FROM "{table}"')
        )
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
        shot[table] = f"{len(rows)} rows {digest}"
    root = bot.settings.storage.photos_dir
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    shot["photo files"] = (
        f"{len(files)} files " + hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]
    )
    return shot


async def _draft(bot: Harness, place: Place) -> Any:
    return await database_of(bot.services).fetch_one(
        "SELECT * FROM items WHERE author_id = ? AND status = 'draft' ORDER BY id DESC LIMIT 1",
        (place.person_id,),
    )


# --- extra checks named by cases ----------------------------------------------------------------


@dataclass
class Run:
    world: World
    place: Place
    case: Case
    downloads_before: int
    photos_before: int
    seen: Observed | None = None


def _case_text(run: Run) -> str:
    return str(_input(run.case.acts[0]))


async def _description_is_input(run: Run) -> None:
    draft = await _draft(run.world.bot, run.place)
    assert draft["description"] == _case_text(run).strip()


async def _description_is_cleaned(run: Run) -> None:
    draft = await _draft(run.world.bot, run.place)
    stored = draft["description"]
    assert stored == clean_description(_case_text(run))
    assert not any(ch in stored for ch in "\u200b\u202e\u2066\x00\x07\x1b\x7f"), repr(stored)


async def _nothing_downloaded(run: Run) -> None:
    assert run.world.bot.api.downloads[run.downloads_before :] == []


async def _photo_count(run: Run) -> int:
    draft = await _draft(run.world.bot, run.place)
    return int(
        await run.world.bot.value("SELECT COUNT(*) FROM photos WHERE item_id = ?", draft["id"])
    )


async def _photo_stored(run: Run) -> None:
    bot = run.world.bot
    assert await _photo_count(run) == run.photos_before + 1
    row = await database_of(bot.services).fetch_one("SELECT * FROM photos ORDER BY id DESC LIMIT 1")
    assert row is not None
    root = bot.settings.storage.photos_dir
    for column in ("original_path", "display_path", "thumb_path"):
        assert (root / row[column]).is_file(), row[column]


async def _one_photo_added(run: Run) -> None:
    assert await _photo_count(run) == run.photos_before + 1


async def _visit_low_accuracy(run: Run) -> None:
    row = await database_of(run.world.bot.services).fetch_one(
        "SELECT on_site, reason, accuracy_m FROM visits WHERE person_id = ? ORDER BY id DESC",
        (run.place.person_id,),
    )
    assert row is not None and tuple(row) == (0, "low_accuracy", 1500.0), tuple(row or ())


async def _summary_shows_text_escaped(run: Run) -> None:
    assert run.seen is not None
    summary = next(t for t in run.seen.texts() if "请核对" in t)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary, summary
    assert "&amp;amp;" in summary, summary  # the deputy's "&amp;", shown as typed


CHECKS: dict[str, Callable[[Run], Awaitable[None]]] = {
    "summary_shows_text_escaped": _summary_shows_text_escaped,
    "description_is_input": _description_is_input,
    "description_is_cleaned": _description_is_cleaned,
    "nothing_downloaded": _nothing_downloaded,
    "photo_stored": _photo_stored,
    "one_photo_added": _one_photo_added,
    "visit_low_accuracy": _visit_low_accuracy,
}


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
