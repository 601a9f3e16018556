"""Albums: one acknowledgement, edited as the photos arrive, that keeps what each photo needs said;
a photo that cannot be taken is answered in a reply to that very photo, and the rest are kept."""

from __future__ import annotations

from localapi import BotMessage, SimUser
from tests.conftest import Harness
from tests.images import make_jpeg, truncated_jpeg
from tests.steps import check_in, confirm, describe_problem, skip_photos


def _replied_to(message: BotMessage) -> int | None:
    replied = message.raw.get("reply_to_message")
    return int(replied["message_id"]) if isinstance(replied, dict) else None


async def _at_photo_step(bot: Harness, deputy: SimUser) -> None:
    assert "可以发送照片" in ((await describe_problem(deputy)).text or "")


async def test_a_broken_photo_in_an_album_is_named_and_the_others_are_kept(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await check_in(bot, deputy)
    await _at_photo_step(bot, deputy)
    sent = await deputy.send_album(
        [
            make_jpeg(800, 600, pattern_seed=41),
            truncated_jpeg(),
            make_jpeg(800, 600, pattern_seed=42),
        ],
        as_documents=True,
    )
    said = await deputy.settle()
    errors = [m for m in said if "损坏或不完整" in (m.text or "")]
    assert len(errors) == 1, [m.describe() for m in said]
    # The refusal is a reply to the broken photo's own message: the deputy sees which one.
    assert _replied_to(errors[0]) == sent[1].message_id
    acks = [m for m in said if m.message_id != errors[0].message_id]
    assert len({m.message_id for m in acks}) == 1, [m.describe() for m in said]
    ack = next(m for m in deputy.messages if m.message_id == acks[-1].message_id)
    assert "共 2 张" in (ack.text or ""), ack.describe()
    assert "1 张没有保存" in (ack.text or ""), ack.describe()
    item_id = await bot.value("SELECT id FROM items WHERE status = 'draft'")
    assert await bot.value("SELECT COUNT(*) FROM photos WHERE item_id = ?", item_id) == 2
    summary = await skip_photos(deputy)
    assert "照片：2 张" in (summary.text or "")


async def test_the_album_acknowledgement_keeps_every_photos_warning(bot: Harness) -> None:
    deputy = await bot.join("王芳")
    await check_in(bot, deputy)
    await _at_photo_step(bot, deputy)
    await deputy.send_photo(make_jpeg(1000, 750, pattern_seed=77))
    await deputy.next_message()
    await skip_photos(deputy)
    await confirm(deputy)

    await _at_photo_step(bot, deputy)
    # The first photo of the album repeats the earlier record's; the second is new.
    await deputy.send_album(
        [make_jpeg(800, 600, pattern_seed=77, quality=70), make_jpeg(800, 600, pattern_seed=78)]
    )
    said = await deputy.settle()
    assert len({m.message_id for m in said}) == 1, [m.describe() for m in said]
    ack = next(m for m in deputy.messages if m.message_id == said[-1].message_id)
    assert "共 2 张" in (ack.text or "")
    assert "第 1 张" in (ack.text or "") and "非常相似" in (ack.text or ""), ack.describe()
    assert "第 2 张" not in (ack.text or "")
