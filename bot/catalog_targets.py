"""A sub-item's quantified targets and dated milestones in the catalog.

    [[subitems.targets]]     code, value + unit (30 辆) or percent (95), deadline, label
    [[subitems.milestones]]  date, label

The derived status and traffic light of a sub-item against its targets are bot/progress.py's.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

from bot import catalog_fields as check


class _Model(BaseModel):
    # As the rest of the catalog (bot/catalog.py): TOML has types, so "30" (a string) is a mistake.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Target(_Model):
    """One quantified target of a sub-item: a count with its measure (30 辆, 6.2 万个) or a
    percentage (覆盖率 95%), reached by its deadline (default: the campaign year's 31 December).

    `code` is the target's stable key within its sub-item: re-importing updates the target with
    the same code in place, so the progress reported against it stays. Without one, targets are
    keyed by position ("1", "2", ...): give codes when a sub-item's list may be reordered.
    """

    code: Annotated[str, AfterValidator(check.code)] = ""
    value: Annotated[float | None, AfterValidator(check.positive_or_none)] = None
    unit: Annotated[str, AfterValidator(check.text(10, required=False))] = ""
    percent: Annotated[float | None, AfterValidator(check.percent_or_none)] = None
    deadline: dt.date | None = None
    label: Annotated[str, AfterValidator(check.text(60, required=False))] = ""

    @model_validator(mode="after")
    def _count_or_percent(self) -> Target:
        if (self.value is None) == (self.percent is None):
            raise check.fail("give either value (with unit) or percent, not both")
        if self.value is not None and not self.unit:
            raise check.fail("a value needs its unit (所, 个, 台, 公里, 万个 ...)")
        if self.percent is not None and self.unit:
            raise check.fail("a percent target has no unit")
        return self

    @property
    def is_percent(self) -> bool:
        return self.percent is not None

    @property
    def amount(self) -> float:
        """What is to be reached: the count, or the percentage."""
        amount = self.percent if self.value is None else self.value
        assert amount is not None
        return amount


class Milestone(_Model):
    """A dated step on the way (开工, 主体完工 ...), shown with the sub-item's progress."""

    date: dt.date
    label: Annotated[str, AfterValidator(check.text(60))]
