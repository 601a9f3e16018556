"""The outbox sender delivers: every queued notice reaches its person once, in their language,
with its buttons and file; and the running bot delivers when woken.

The sender talks to the local Bot API server over HTTP through the real PTB transport.
"""

from __future__ import annotations

from bot.bootstrap import database_of
from bot.notices import Act, Notice, NoticeButton
from bot.people import Role
from bot.sender import render
from bot.texts import Texts
from handlers.delivery import delivering
from tests.conftest import Harness
from tests.images import make_jpeg
from tests.sender_helpers import World, label, world

# The fixture lives in tests/sender_helpers.py.
__all__ = ["world"]


# --- delivery ---------------------------------------------------------------------------------


async def test_each_person_gets_each_notice_once_in_their_language(world: World) -> None:
    zh_id, wang = await world.person()
    en_id, alice = await world.person("en")
    confirm = (
        (
            NoticeButton("button.confirm", Act.ADD_MORE, (1,)),
            NoticeButton("button.back", Act.OPEN_IN_INBOX, (1,)),
        ),
    )
    photo = world.tmp / "site.jpg"
    photo.write_bytes(make_jpeg(640, 480, pattern_seed=3))
    await world.queue(
        label(zh_id, "2025-0001", "a", buttons=confirm),
        label(en_id, "2025-0001", "b", buttons=confirm),
        label(en_id, "2025-0002", "c", file_path=str(photo), file_kind="photo"),
        Notice(zh_id, text="<b>今日汇总</b>", dedup="d"),
    )
    # Queueing the same change twice keeps one row.
    await world.queue(label(zh_id, "2025-0001", "a"))

    assert await world.sender().drain(10) == 4

    first, summary = await wang.next_message(), await wang.next_message()
    assert first.text == "问题 2025-0001" and first.buttons == ["✅ 确认提交", "« 返回"]
    assert first.button_data["✅ 确认提交"] == "am:1"
    assert summary.text == "<b>今日汇总</b>" and summary.parse_mode == "HTML"
    english, picture = await alice.next_message(), await alice.next_message()
    assert english.text == "Problem 2025-0001" and english.buttons == ["✅ Confirm", "« Back"]
    assert picture.kind == "photo" and picture.text == "Problem 2025-0002"
    assert picture.files == [photo.read_bytes()]
    await wang.settle(quiet=0.2)
    await alice.settle(quiet=0.2)
    assert len(wang.messages) == 2 and len(alice.messages) == 2

    sent = await world.row("c")
    assert sent["sent_at"] and sent["message_id"] == picture.message_id and sent["attempts"] == 1
    assert (
        await database_of(world.services).fetch_value(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"
        )
        == 0
    )


async def test_a_missing_file_is_given_up_and_the_person_still_gets_the_rest(world: World) -> None:
    person, phone = await world.person()
    await world.queue(
        Notice(
            person,
            text="附件",
            file_path=str(world.tmp / "gone.docx"),
            file_kind="document",
            dedup="gone",
        ),
        Notice(person, text="下一条", dedup="next"),
    )
    await world.sender().drain(10)
    assert (await phone.next_message()).text == "下一条"
    gone = await world.row("gone")
    assert gone["gave_up_at"] and gone["sent_at"] is None and "file" in gone["last_error"]


def test_rendering_uses_the_recipients_language() -> None:
    notice = label(
        1, "2025-0003", "x", buttons=((NoticeButton("button.next", Act.OPEN_IN_INBOX, (2,)),),)
    )
    assert render(notice, Texts("en")).text == "Problem 2025-0003"
    zh = render(notice, Texts("zh"))
    assert zh.text == "问题 2025-0003" and zh.buttons[0][0].label == "下一页 »"


# --- in the running bot -----------------------------------------------------------------------


async def test_the_running_bot_delivers_a_queued_notice_when_woken(bot: Harness) -> None:
    leader = await bot.join("李强", Role.LEADER)
    person = await bot.services.people.by_telegram_id(leader.user_id)
    assert person is not None
    await bot.services.people.set_language(person.id, "en")
    async with delivering(bot.app, bot.settings, bot.services) as sender:
        await bot.services.outbox.enqueue([label(person.id, "2025-0009", "live")], bot.now())
        sender.wake()
        assert (await leader.next_message(timeout=3)).text == "Problem 2025-0009"
    assert sender.delivered == 1
