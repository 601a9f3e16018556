"""The campaign's calendar in the catalog: its phases and key dates.

    [[phases]]     name, name_en, start, end          (TOML dates: start = 2020-05-11, no quotes)
    [[key_dates]]  name, name_en, date, kind

Phases (部署发动, 监督推进, 总结测评) run one after another: each ends on or after the day it
starts, and no two overlap, so "today's phase" has one answer. Key dates (座谈会, 代表监督周,
专项督查 …) are single days; `kind` says what sort of day it is (the reminders and screens show
it). Neither has a code: a phase is named by its name, which must be unique, and the import keeps
them in file order (storage/catalog.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator

from bot import catalog_fields as check
from bot.catalog_fields import Name

KeyDateKind = Literal["meeting", "supervision_week", "inspection", "report", "evaluation", "other"]
KEY_DATE_KINDS: tuple[str, ...] = (
    "meeting",
    "supervision_week",
    "inspection",
    "report",
    "evaluation",
    "other",
)

NameEn = Annotated[str, AfterValidator(check.text(100, required=False))]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Phase(_Model):
    """A stage of the year's supervision (阶段), both days included."""

    name: Name
    name_en: NameEn = ""
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ends_after_start(self) -> Phase:
        if self.end < self.start:
            raise check.fail(f"end {self.end} is before start {self.start}")
        return self


class KeyDate(_Model):
    """A day of the campaign everyone should know about (a meeting, the supervision week …)."""

    name: Name
    name_en: NameEn = ""
    date: dt.date
    kind: Annotated[KeyDateKind, BeforeValidator(check.one_of(*KEY_DATE_KINDS))] = "other"


def calendar_errors(
    sections: Mapping[str, Sequence[Any]], add: Callable[[str, int, str, str], None]
) -> None:
    """Duplicate names and overlapping phases, on raw entries (see bot/catalog.py)."""
    for section in ("phases", "key_dates"):
        seen: dict[tuple[object, ...], int] = {}
        for i, entry in enumerate(sections.get(section, [])):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
                continue
            # Key dates may repeat a name on another day (two 专项督查); phases may not.
            key: tuple[object, ...] = (entry["name"].strip(),)
            if section == "key_dates":
                key += (entry.get("date"),)
            if key in seen:
                add(
                    section,
                    i,
                    f"{section}[{i}].name",
                    f"duplicate {entry['name'].strip()!r} (first at {section}[{seen[key]}])",
                )
            else:
                seen[key] = i
    spans = []
    for i, entry in enumerate(sections.get("phases", [])):
        if not isinstance(entry, Mapping):
            continue
        start, end = entry.get("start"), entry.get("end")
        if type(start) is dt.date and type(end) is dt.date and start <= end:
            spans.append((start, end, i))
    spans.sort()
    for (_, end, i), (start, _, j) in itertools.pairwise(spans):
        if start <= end:
            add("phases", j, f"phases[{j}].start", f"overlaps phases[{i}] (which ends {end})")
