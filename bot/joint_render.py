"""How a campaign's joint inspections (联合视察) read in its tally (bot/tally.py)."""

from __future__ import annotations

from typing import Any

from bot.campaign_ports import JointCounts
from bot.texts import Texts


def joint_line(joint: JointCounts, texts: Texts) -> str:
    return texts(
        "campaign.tally_joint",
        visits=joint.visits,
        problems=joint.problems_in,
        suggestions=joint.suggestions_in,
        shared=joint.items_out,
    )


def joint_json(joint: JointCounts) -> dict[str, Any]:
    return {
        "visits": joint.visits,
        "problems_in": joint.problems_in,
        "suggestions_in": joint.suggestions_in,
        "items_shared": joint.items_out,
    }
