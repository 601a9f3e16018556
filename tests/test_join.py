"""Joining by invitation, the role's command menu, strangers, groups, languages."""

from __future__ import annotations

import pytest

from bot.bootstrap import database_of
from bot.clock import to_db
from bot.errors import Refused
from bot.invitations import InvitationRequest
from bot.people import Role
from bot.usecases.membership import issue_invitation
from localapi import LocalBotApi
from tests.conftest import Harness, reply_to


async def test_deputy_joins_with_invitation_and_sees_role_commands(bot: Harness) -> None:
    token = await bot.invite("王芳", Role.DEPUTY, "G01")
    user = bot.api.user(1001, "王芳", language_code="zh-hans")
    await user.send_text(f"/start {token}")
    welcome = await user.next_message()
    assert "欢迎您，王芳" in (welcome.text or "")
    assert "人大代表" in (welcome.text or "")
    assert "/checkin" in (welcome.text or "")
    await user.settle(quiet=0.1)
    menu = [c["command"] for c in bot.api.commands({"type": "chat", "chat_id": 1001})]
    assert menu[:4] == ["checkin", "problem", "suggest", "mine"]
    assert "invite" not in menu
    assert await bot.value("SELECT telegram_user_id FROM persons WHERE name = '王芳'") == 1001
    # The token is stored hashed, never as it was sent.
    assert await bot.value("SELECT COUNT(*) FROM invitations WHERE token_hash = ?", token) == 0


async def test_stranger_gets_explanation_and_nothing_else(bot: Harness) -> None:
    stranger = bot.api.user(2001, "路人", language_code="zh-hans")
    assert "仅限受邀人员" in await reply_to(stranger, "/start")
    assert "尚未登记" in await reply_to(stranger, "/checkin")
    await stranger.send_location(30.25, 120.16, horizontal_accuracy=10)
    assert "尚未登记" in ((await stranger.next_message()).text or "")
    assert "邀请码无效" in await reply_to(
        stranger, "/start not-a-valid-token-at-all-xxxxxxxxxxxxxxxx"
    )
    assert await bot.value("SELECT COUNT(*) FROM visits") == 0
    assert await bot.value("SELECT COUNT(*) FROM persons WHERE telegram_user_id IS NOT NULL") == 0


async def test_used_and_expired_invitations_are_refused(bot: Harness) -> None:
    token = await bot.invite("张三")
    first = bot.api.user(3001, "张三", language_code="zh")
    await first.send_text(f"/start {token}")
    await first.next_message()
    # The same link redelivered to the same account is harmless: a welcome back, no error.
    await first.settle(quiet=0.1)
    assert "欢迎回来" in await reply_to(first, f"/start {token}")

    thief = bot.api.user(3002, "别人", language_code="zh")
    assert "已被使用" in await reply_to(thief, f"/start {token}")

    late = await bot.invite("李四")
    async with database_of(bot.services).transaction() as conn:
        await conn.execute(
            "UPDATE invitations SET expires_at = ? WHERE used_at IS NULL", (to_db(bot.now()),)
        )
    assert "已过期" in await reply_to(thief, f"/start {late}")
    assert await bot.value("SELECT COUNT(*) FROM persons WHERE telegram_user_id = 3002") == 0


async def test_group_chats_get_a_note_and_no_data(bot: Harness, api: LocalBotApi) -> None:
    deputy = await bot.join("王芳")
    group = api.group(-100777, "监督小组群")
    await deputy.send_text("/mine", chat=group)
    note = await group.next_message()
    assert "私聊" in (note.text or "")
    await deputy.send_text("今天去了现场", chat=group)
    assert await group.settle(quiet=0.3) == []


async def test_language_follows_client_then_choice(bot: Harness) -> None:
    english = await bot.join("Alice Wang", language_code="en-US")
    assert "Your commands" in await reply_to(english, "/help")
    chinese = await bot.join("王芳")
    await chinese.send_text("/lang")
    await chinese.next_message()
    await chinese.press("English")
    assert "English" in ((await chinese.next_message(edited=True)).text or "")
    assert "Your commands" in await reply_to(chinese, "/help")
    assert await bot.value("SELECT language FROM persons WHERE name = '王芳'") == "en"
    await chinese.settle(quiet=0.1)
    menu = bot.api.commands({"type": "chat", "chat_id": chinese.user_id})
    assert menu[0]["description"] == "Check in at a site"


async def test_edited_messages_are_not_applied(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    sent = await deputy.send_text("随便说一句")
    await deputy.settle(quiet=0.1)
    await deputy.edit_text(sent, "改过的话")
    assert "修改的消息不会被采用" in ((await deputy.next_message()).text or "")


async def test_an_invitation_asked_for_again_by_the_same_input_invites_once(
    bot: Harness,
) -> None:
    staff = await bot.person(await bot.join("赵敏", Role.STAFF, group=None))
    request = InvitationRequest("钱进", Role.DEPUTY, "G01", None)
    before = await bot.value("SELECT COUNT(*) FROM persons")
    await issue_invitation(
        bot.services, request, bot_username="b", created_by=staff, key="telegram:77"
    )
    # The same /invite step processed again after a crash.
    with pytest.raises(Refused) as again:
        await issue_invitation(
            bot.services, request, bot_username="b", created_by=staff, key="telegram:77"
        )
    assert again.value.key == "invite_already_made"
    assert await bot.value("SELECT COUNT(*) FROM persons") == before + 1
    # Another message may invite a namesake on purpose.
    await issue_invitation(
        bot.services, request, bot_username="b", created_by=staff, key="telegram:78"
    )
    assert await bot.value("SELECT COUNT(*) FROM persons") == before + 2
