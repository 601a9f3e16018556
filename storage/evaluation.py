"""The satisfaction evaluation's rounds, voters and secret votes (schema version 12).

A vote is two writes in one transaction: the marker that the person voted on the project
(evaluation_cast) and one more on the counter of the project and value (evaluation_counts). The
counters exist from the round's opening, so not even the first vote creates a row. The update
that carried the vote (a button's data, a comment's text) is sealed in the inbound journal in
the same transaction, so the journal cannot tell later what the person chose either.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime

import aiosqlite

from bot.clock import to_db
from bot.errors import Refused
from bot.evaluation import (
    MARKS,
    Candidate,
    EvaluationRound,
    Mark,
    NewRound,
    ProjectResult,
    RoundProject,
    Turnout,
    VoterInput,
)
from bot.evaluation_ports import NoticeMaker
from bot.notices import Notice
from storage.db import Database, Repo, changed_one, contains, insert, select_one
from storage.outbox import enqueue
from storage.rows import row_mapper

log = logging.getLogger(__name__)

# A round's columns, named as EvaluationRound's fields (storage/rows.py row_mapper reads them).
_ROUND = (
    "SELECT id, campaign_id, deadline, voters_kind, opened_at, closed_at FROM evaluation_rounds"
)
# How many of the round's projects the voter `v` (an evaluation_voters row) has voted on.
_VOTED = (
    "(SELECT COUNT(*) FROM evaluation_cast c "
    "WHERE c.round_id = v.round_id AND c.person_id = v.person_id)"
)
SEALED = "sealed"  # what a sealed button's data or comment's text reads in the journal


_round = row_mapper(EvaluationRound, deadline=date.fromisoformat)


@asynccontextmanager
async def _sealed(db: Database, key: str | None) -> AsyncIterator[aiosqlite.Connection]:
    """The transaction of a vote or a comment, which first blanks what the person chose or wrote
    in the journaled update `key` ("telegram:<id>") that carried it."""
    async with db.transaction() as conn:
        if key is not None and key.startswith("telegram:") and key[9:].isdigit():
            seq = int(key[9:])
            for path in ("$.callback_query.data", "$.message.text"):
                await conn.execute(
                    "UPDATE inbound SET payload = json_set(payload, ?, ?) "
                    "WHERE channel = 'telegram' AND seq = ? AND json_type(payload, ?) IS NOT NULL",
                    (path, SEALED, seq, path),
                )
        yield conn


class EvaluationRepo(Repo):
    async def open_round(
        self, new: NewRound, now: datetime, key: str | None, notices_for: NoticeMaker
    ) -> tuple[EvaluationRound, bool]:
        async with self.db.transaction() as conn:
            if key is not None:
                seen = await select_one(conn, f"{_ROUND} WHERE open_key = ?", (key,))
                if seen is not None:
                    return _round(seen), False
            if await select_one(
                conn,
                "SELECT 1 FROM evaluation_rounds WHERE campaign_id = ? AND closed_at IS NULL",
                (new.campaign_id,),
            ):
                raise Refused("evaluation.already_open")
            round_id = await insert(
                conn,
                "INSERT INTO evaluation_rounds "
                "(campaign_id, deadline, voters_kind, opened_by, opened_at, open_key) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    new.campaign_id,
                    new.deadline.isoformat(),
                    new.voters_kind,
                    new.opened_by,
                    to_db(now),
                    key,
                ),
            )
            await conn.execute(
                "INSERT INTO evaluation_projects (round_id, project_id, position) "
                "SELECT ?, id, ROW_NUMBER() OVER (ORDER BY position, id) FROM projects "
                "WHERE campaign_id = ?",
                (round_id, new.campaign_id),
            )
            await conn.executemany(
                "INSERT INTO evaluation_counts (round_id, project_id, value, votes) "
                "SELECT round_id, project_id, ?, 0 FROM evaluation_projects WHERE round_id = ?",
                [(str(mark), round_id) for mark in MARKS],
            )
            await conn.executemany(
                "INSERT OR IGNORE INTO evaluation_voters (round_id, person_id) VALUES (?, ?)",
                [(round_id, person_id) for person_id in new.voter_ids],
            )
            await enqueue(conn, notices_for(round_id, new.voter_ids), now)
            row = await select_one(conn, f"{_ROUND} WHERE id = ?", (round_id,))
        assert row is not None
        return _round(row), True

    async def close_round(self, round_id: int, now: datetime, notices: Sequence[Notice]) -> bool:
        async with self.db.transaction() as conn:
            closed = await changed_one(
                conn,
                "UPDATE evaluation_rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                (to_db(now), round_id),
            )
            if closed:
                await enqueue(conn, notices, now)
        return closed

    async def round(self, campaign_id: int, round_id: int) -> EvaluationRound | None:
        return await self.db.fetch_one_as(
            _round, f"{_ROUND} WHERE id = ? AND campaign_id = ?", (round_id, campaign_id)
        )

    async def open_round_of(self, campaign_id: int) -> EvaluationRound | None:
        return await self.db.fetch_one_as(
            _round, f"{_ROUND} WHERE campaign_id = ? AND closed_at IS NULL", (campaign_id,)
        )

    async def latest_round(self, campaign_id: int, *, closed: bool) -> EvaluationRound | None:
        only_closed = "AND closed_at IS NOT NULL" if closed else ""
        return await self.db.fetch_one_as(
            _round,
            f"{_ROUND} WHERE campaign_id = ? {only_closed} ORDER BY id DESC LIMIT 1",
            (campaign_id,),
        )

    async def projects(self, round_id: int) -> list[RoundProject]:
        rows = await self.db.fetch_all(
            "SELECT p.id, p.code, p.title, p.description FROM evaluation_projects e "
            "JOIN projects p ON p.id = e.project_id WHERE e.round_id = ? ORDER BY e.position",
            (round_id,),
        )
        return [RoundProject(r[0], r[1], r[2], r[3]) for r in rows]

    async def is_voter(self, round_id: int, person_id: int) -> bool:
        return bool(
            await self.db.fetch_value(
                "SELECT 1 FROM evaluation_voters WHERE round_id = ? AND person_id = ?",
                (round_id, person_id),
            )
        )

    async def voted_projects(self, round_id: int, person_id: int) -> set[int]:
        return set(
            await self.db.fetch_ints(
                "SELECT project_id FROM evaluation_cast WHERE round_id = ? AND person_id = ?",
                (round_id, person_id),
            )
        )

    async def cast(self, said: VoterInput, mark: Mark) -> bool:
        async with _sealed(self.db, said.key) as conn:
            marked = await changed_one(
                conn,
                "INSERT OR IGNORE INTO evaluation_cast (round_id, person_id, project_id) "
                "VALUES (?, ?, ?)",
                (said.round_id, said.person_id, said.project_id),
            )
            if marked:
                counted = await changed_one(
                    conn,
                    "UPDATE evaluation_counts SET votes = votes + 1 "
                    "WHERE round_id = ? AND project_id = ? AND value = ?",
                    (said.round_id, said.project_id, str(mark)),
                )
                if not counted:
                    raise Refused("button_expired")  # rolls the marker back too
        return marked

    async def add_comment(self, said: VoterInput, text: str) -> bool:
        async with _sealed(self.db, said.key) as conn:
            # Written only beside the marker that the person voted on the project.
            return await changed_one(
                conn,
                "INSERT INTO evaluation_comments (id, round_id, project_id, text) "
                "SELECT randomblob(16), round_id, project_id, ? FROM evaluation_cast "
                "WHERE round_id = ? AND person_id = ? AND project_id = ?",
                (text, said.round_id, said.person_id, said.project_id),
            )

    async def unfinished_voters(self, round_id: int) -> list[int]:
        return await self.db.fetch_ints(
            "SELECT v.person_id FROM evaluation_voters v JOIN persons p ON p.id = v.person_id "
            f"WHERE v.round_id = ? AND p.active = 1 AND {_VOTED} < "
            "(SELECT COUNT(*) FROM evaluation_projects e WHERE e.round_id = v.round_id) "
            "ORDER BY v.person_id",
            (round_id,),
        )

    async def turnout(self, round_id: int) -> Turnout:
        row = await self.db.fetch_one(
            f"WITH per AS (SELECT v.person_id, {_VOTED} AS n "
            "FROM evaluation_voters v WHERE v.round_id = ?), "
            "total AS (SELECT COUNT(*) AS k FROM evaluation_projects WHERE round_id = ?) "
            "SELECT (SELECT COUNT(*) FROM per), "
            "(SELECT COUNT(*) FROM per, total WHERE per.n >= total.k AND total.k > 0), "
            "(SELECT COUNT(*) FROM per WHERE per.n > 0), (SELECT k FROM total), "
            "(SELECT COUNT(*) FROM evaluation_cast WHERE round_id = ?)",
            (round_id, round_id, round_id),
        )
        assert row is not None
        return Turnout(*(int(v) for v in row))

    async def results(self, round_id: int) -> list[ProjectResult]:
        rows = await self.db.fetch_all(
            "SELECT e.project_id, p.code, p.title, "
            "SUM(CASE WHEN c.value = 'satisfied' THEN c.votes END), "
            "SUM(CASE WHEN c.value = 'basically' THEN c.votes END), "
            "SUM(CASE WHEN c.value = 'dissatisfied' THEN c.votes END) "
            "FROM evaluation_projects e JOIN projects p ON p.id = e.project_id "
            "JOIN evaluation_counts c ON c.round_id = e.round_id AND c.project_id = e.project_id "
            "WHERE e.round_id = ? GROUP BY e.project_id ORDER BY e.position",
            (round_id,),
        )
        comments: dict[int, list[str]] = {}
        # Ordered by the random id: the order they were written in is not kept anywhere.
        for project_id, text in await self.db.fetch_all(
            "SELECT project_id, text FROM evaluation_comments WHERE round_id = ? ORDER BY id",
            (round_id,),
        ):
            comments.setdefault(project_id, []).append(text)
        return [
            ProjectResult(
                r[1], r[2], r[3] or 0, r[4] or 0, r[5] or 0, tuple(comments.get(r[0], ()))
            )
            for r in rows
        ]

    async def candidates(self, campaign_id: int, fragment: str, limit: int) -> list[Candidate]:
        rows = await self.db.fetch_all(
            "SELECT p.id, p.name, p.role, COALESCE(g.name, '') FROM persons p "
            "LEFT JOIN groups g ON g.id = p.group_id "
            "WHERE p.campaign_id = ? AND p.active = 1 AND p.role IN ('deputy', 'leader') "
            "AND p.name LIKE ? ESCAPE '\\' ORDER BY p.name, p.id LIMIT ?",
            (campaign_id, contains(fragment), limit),
        )
        return [Candidate(r[0], r[1], r[2], r[3]) for r in rows]

    async def all_voters(self, campaign_id: int) -> list[int]:
        return await self.db.fetch_ints(
            "SELECT id FROM persons WHERE campaign_id = ? AND active = 1 "
            "AND role IN ('deputy', 'leader') ORDER BY id",
            (campaign_id,),
        )

    async def staff(self, campaign_id: int) -> list[int]:
        return await self.db.fetch_ints(
            "SELECT id FROM persons WHERE campaign_id = ? AND active = 1 AND role = 'staff' "
            "ORDER BY id",
            (campaign_id,),
        )
