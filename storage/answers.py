"""Answers' follow-ups, the raisers' comments as staff and units see them
(bot/answer_ports.py); the C reasons are counted with the satisfaction figures
(storage/satisfaction.py)."""

from __future__ import annotations

from datetime import datetime

from bot.answer_ports import RatingComment
from bot.clock import to_db
from storage.db import Repo, Row, rowcount

_COMMENT = (
    "SELECT r.item_id, r.round, r.person_id, p.name, r.value, r.comment, r.shown_to_unit "
    "FROM ratings r JOIN persons p ON p.id = r.person_id "
)


def _comment(r: Row) -> RatingComment:
    return RatingComment(
        int(r[0]), int(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]), bool(r[6])
    )


class AnswerRepo(Repo):
    async def promises_due(self, campaign_id: int, now: datetime) -> list[int]:
        return await self.db.fetch_ints(
            "SELECT id FROM items WHERE campaign_id = ? AND status = 'rated' "
            "AND promised_at IS NOT NULL AND promised_at <= ? ORDER BY promised_at, id",
            (campaign_id, to_db(now)),
        )

    async def comments(self, item_id: int) -> list[RatingComment]:
        rows = await self.db.fetch_all(
            _COMMENT
            + "WHERE r.item_id = ? AND r.comment != '' ORDER BY r.round, r.at, r.person_id",
            (item_id,),
        )
        return [_comment(r) for r in rows]

    async def comment(self, item_id: int, round_: int, person_id: int) -> RatingComment | None:
        row = await self.db.fetch_one(
            _COMMENT + "WHERE r.item_id = ? AND r.round = ? AND r.person_id = ? "
            "AND r.comment != ''",
            (item_id, round_, person_id),
        )
        return None if row is None else _comment(row)

    async def show_comment(self, item_id: int, round_: int, person_id: int, shown: bool) -> bool:
        async with self.db.transaction() as conn:
            return (
                await rowcount(
                    conn,
                    "UPDATE ratings SET shown_to_unit = ? WHERE item_id = ? AND round = ? "
                    "AND person_id = ? AND comment != '' AND shown_to_unit != ?",
                    (int(shown), item_id, round_, person_id, int(shown)),
                )
                == 1
            )

    async def shown_comments(self, item_id: int) -> list[tuple[int, str]]:
        # Ordered by round and text, not by time or voter: the order tells nothing of who.
        rows = await self.db.fetch_all(
            "SELECT round, comment FROM ratings WHERE item_id = ? AND shown_to_unit = 1 "
            "AND comment != '' ORDER BY round, comment",
            (item_id,),
        )
        return [(int(r[0]), str(r[1])) for r in rows]
