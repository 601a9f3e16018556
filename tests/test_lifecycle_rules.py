"""The pieces of an item's life after submission (bot/lifecycle.py), without Telegram: a change
and its steps, the policy's local days, and whom a change tells.

The rules themselves: tests/test_review_rules.py, tests/test_unit_rules.py,
tests/test_rating_rules.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.items import Status
from bot.lifecycle import Change, Parties
from bot.review_rules import accept
from tests.builders import LEADER, NOW, POLICY, item
from tests.lifecycle_helpers import recipients


def test_a_change_without_steps_ends_where_it_began() -> None:
    change = Change(7, None, Status.ANSWERED, 1, ())
    assert change.final_status is Status.ANSWERED


def test_policy_days_are_local() -> None:
    late_evening_utc = datetime(2025, 6, 3, 17, 0, tzinfo=UTC)  # 01:00 on the 4th in Hangzhou
    assert POLICY.day(late_evening_utc) == "2025-06-04"


def test_the_actor_is_not_told_of_their_own_action_and_nobody_twice() -> None:
    parties = Parties(raisers=(3, 1, 1, 2))
    change = accept(item(), LEADER, parties, NOW)
    assert recipients(change, "notice.reviewed") == [1, 2]
