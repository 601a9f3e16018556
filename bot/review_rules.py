"""The leader's review of a submitted item, as pure rules returning a Change (bot/lifecycle.py).

Accept, merge into an earlier item, decline, or ask the author for more (and the author's answer),
all while the item is still submitted.
"""

from __future__ import annotations

from datetime import datetime

from bot import scope
from bot.duplicates import GONE
from bot.errors import require
from bot.items import Item, Status
from bot.lifecycle import (
    Change,
    EventKind,
    Parties,
    Step,
    notify,
    readable_text,
    require_state,
)
from bot.notices import Act, NoticeButton
from bot.people import Person

# Statuses in which the author's item has not reached a unit, and a leader may still act on it.
REVIEWABLE = frozenset({Status.SUBMITTED})
# What a duplicate may be merged into. Its raisers join the target's raisers: they are told of its
# forwarding and progress and vote on its answer. That is worth something only while the answer
# is still ahead: submitted and reviewed (not yet with a unit), forwarded and in_progress (with a
# unit, including a second round after 不满意 or a failed look-back) and returned (back with staff
# for another unit). Once answered, the rating round has begun with the raisers who were there (a
# newcomer's vote would be a formal satisfaction figure on an answer to a question they were never
# part of); rated and closed items are finished. Drafts, withdrawn, declined and merged items are
# gone (bot/duplicates.py GONE).
MERGE_TARGETS = frozenset(
    {Status.SUBMITTED, Status.REVIEWED, Status.FORWARDED, Status.RETURNED, Status.IN_PROGRESS}
)


def takes_raisers(target: Item) -> bool:
    """Whether an item may still take the raisers of a duplicate (the state half of merge)."""
    return target.status in MERGE_TARGETS and target.merged_into_id is None


def accept(item: Item, actor: Person, parties: Parties, now: datetime) -> Change:
    """The leader confirms the item belongs on the list."""
    scope.require_review(actor, item)
    require_state(item, REVIEWABLE)
    return Change.of(
        item,
        actor.id,
        (Step(Status.REVIEWED),),
        fields={"reviewed_at": now},
        notices=notify(parties.raisers, "notice.reviewed", item, skip=actor.id),
    )


def merge(item: Item, target: Item, actor: Person, parties: Parties) -> Change:
    """A duplicate joins an earlier item; its raisers become raisers of that one.

    Only within the actor's reach (a leader's own group, staff's campaign: bot/scope.py), and
    only into an item whose answer is still ahead (MERGE_TARGETS).
    """
    scope.require_review(actor, item)
    require_state(item, REVIEWABLE)
    require(target.id != item.id, "merge_into_itself")
    require(target.campaign_id == item.campaign_id, "merge_target_gone")
    # Whose item it is comes before what became of it: another group's item says nothing more.
    scope.require_merge_target(actor, item, target)
    require(target.status not in GONE and target.merged_into_id is None, "merge_target_gone")
    require(target.status in MERGE_TARGETS, "merge_target_closed", number=target.display_number)
    return Change.of(
        item,
        actor.id,
        (Step(Status.MERGED, note=target.display_number),),
        fields={"merged_into_id": target.id},
        notices=notify(
            parties.raisers, "notice.merged", item, skip=actor.id, target=target.display_number
        ),
        merge_raisers_into=target.id,
    )


def decline(item: Item, actor: Person, reason: str, parties: Parties) -> Change:
    """The leader turns the item down, saying why; the author is told."""
    scope.require_review(actor, item)
    require_state(item, REVIEWABLE)
    reason = readable_text(reason)
    return Change.of(
        item,
        actor.id,
        (Step(Status.DECLINED, note=reason),),
        notices=notify(parties.raisers, "notice.declined", item, skip=actor.id, reason=reason),
    )


def ask_more(item: Item, actor: Person, question: str, parties: Parties) -> Change:
    """The leader asks the author for more; the item waits in review."""
    scope.require_review(actor, item)
    require_state(item, REVIEWABLE)
    question = readable_text(question, "lifecycle_text_missing")
    return Change.of(
        item,
        actor.id,
        (Step(item.status, EventKind.ASK_MORE, question),),
        notices=notify(
            (item.author_id,),
            "notice.ask_more",
            item,
            skip=actor.id,
            buttons=((NoticeButton("lifecycle_button_add_more", Act.ADD_MORE, (item.id,)),),),
            question=question,
        ),
    )


def add_more(item: Item, actor: Person, text: str, parties: Parties) -> Change:
    """The author answers the leader's question before review."""
    scope.require_author(actor, item)
    require_state(item, REVIEWABLE)
    text = readable_text(text, "lifecycle_text_missing")
    return Change.of(
        item,
        actor.id,
        (Step(item.status, EventKind.MORE_INFO, text),),
        notices=notify(parties.leaders, "notice.more_info", item, skip=actor.id, text=text),
    )
