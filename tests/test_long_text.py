"""A text over Telegram's 4096 characters arrives as several messages: the bot treats the parts as
one text, refuses it whole when it is too long, and never keeps a fragment."""

from __future__ import annotations

from tests.conftest import Harness, reply_to
from tests.steps import DESCRIPTION, check_in, problem_up_to_description, skip_photos


async def test_a_pasted_text_split_by_the_client_is_refused_whole(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await check_in(bot, deputy)
    await problem_up_to_description(deputy)
    pasted = ("外立面脚手架停工，现场无施工人员。" * 300)[:5000]
    # What a Telegram client does with it: 4096 characters, then the rest, at once.
    await deputy.send_text(pasted[:4096])
    await deputy.send_text(pasted[4096:])

    said = await deputy.settle(quiet=2.5)
    texts = [m.text or "" for m in said]
    assert len(texts) == 1, texts
    assert "5000" in texts[0] and "2000" in texts[0], texts
    draft = await bot.value("SELECT description FROM items WHERE status = 'draft'")
    assert draft == "", draft  # neither part was kept

    # The step is still open: a description of the right length is taken.
    assert "可以发送照片" in await reply_to(deputy, DESCRIPTION)
    summary = await skip_photos(deputy)
    assert DESCRIPTION in (summary.text or "")


async def test_a_long_text_that_is_not_followed_by_more_is_taken_alone(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await check_in(bot, deputy)
    await problem_up_to_description(deputy)
    # Long enough to be held a moment for a second part that never comes.
    await deputy.send_text("现场" * 1800)

    said = await deputy.settle(quiet=2.5)
    texts = [m.text or "" for m in said]
    assert len(texts) == 1 and "3600" in texts[0], texts
