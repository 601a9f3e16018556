"""Votes on a unit's answer: the comment a deputy adds after voting, the answers they rate."""

from __future__ import annotations

from bot.clock import from_db
from bot.readmodels import ResponseRecord
from storage.db import Repo, rowcount


class RatingRepo(Repo):
    """Votes on answers: a deputy's vote and comment, the counts, the answer rated."""

    async def set_comment(self, item_id: int, round_: int, person_id: int, comment: str) -> bool:
        """Attach the deputy's comment to their vote of that round; False when there is no vote.

        The comment may come after the rating has been concluded: it belongs to the vote, not to the
        item's state, so it is kept whatever happened to the item meanwhile.
        """
        async with self.db.transaction() as conn:
            changed = (
                await rowcount(
                    conn,
                    "UPDATE ratings SET comment = ? WHERE item_id = ? AND round = ? AND person_id = ?",
                    (comment, item_id, round_, person_id),
                )
                == 1
            )
        return changed

    async def vote_of(self, item_id: int, round_: int, person_id: int) -> str | None:
        """The value this person voted in that round, if any."""
        value = await self.db.fetch_value(
            "SELECT value FROM ratings WHERE item_id = ? AND round = ? AND person_id = ?",
            (item_id, round_, person_id),
        )
        return str(value) if value is not None else None

    async def counts(self, item_id: int, round_: int) -> dict[str, int]:
        """How many votes of each value the round has (abstentions included)."""
        rows = await self.db.fetch_all(
            "SELECT value, COUNT(*) FROM ratings WHERE item_id = ? AND round = ? GROUP BY value",
            (item_id, round_),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def response(self, item_id: int, round_: int | None = None) -> ResponseRecord | None:
        """The answer of that round, or the latest answer when no round is given."""
        sql = "SELECT round, class, text, on_paper, at FROM responses WHERE item_id = ?"
        params: tuple[int, ...] = (item_id,)
        if round_ is not None:
            sql += " AND round = ?"
            params += (round_,)
        row = await self.db.fetch_one(sql + " ORDER BY round DESC LIMIT 1", params)
        if row is None:
            return None
        at = from_db(row["at"])
        assert at is not None
        return ResponseRecord(row["round"], row["class"], row["text"], at, bool(row["on_paper"]))
