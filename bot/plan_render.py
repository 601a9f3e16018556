"""The plan in chat text (HTML): the calendar for /help, a deputy's tasks for /tasks."""

from __future__ import annotations

import html
from datetime import date

from bot.plan import Calendar, PhaseRecord, TaskRow
from bot.split import split_message
from bot.texts import Texts


def render_calendar(calendar: Calendar, today: date, texts: Texts) -> list[str]:
    """The current phase and the next key dates; nothing for a campaign without a calendar."""
    if not calendar.phases and not calendar.key_dates:
        return []
    lines = [texts("plan.help_calendar")]
    phase = calendar.phase_on(today)
    if phase is not None:
        lines.append(_phase_line("plan.help_phase", phase, texts))
    elif calendar.phases:
        lines.append(texts("plan.help_no_phase"))
    following = calendar.next_phase(today)
    if following is not None:
        lines.append(_phase_line("plan.help_next_phase", following, texts))
    for key_date in calendar.upcoming(today):
        lines.append(
            texts(
                "plan.help_key_date",
                date=key_date.day.isoformat(),
                name=html.escape(key_date.label(texts.language)),
                kind=texts(f"plan.kind.{key_date.kind}"),
            )
        )
    return lines


def _phase_line(key: str, phase: PhaseRecord, texts: Texts) -> str:
    """A phase as the calendar names it, in the reader's language, with its dates (the next
    phase's line shows only its start: the message leaves {end} out)."""
    return texts(
        key,
        phase=html.escape(phase.label(texts.language)),
        start=phase.start.isoformat(),
        end=phase.end.isoformat(),
    )


def render_tasks(rows: list[TaskRow], today: date, texts: Texts) -> list[str]:
    """A deputy's tasks: open and overdue first, then those not yet open, then the done."""
    if not rows:
        return [texts("plan.tasks_none")]
    order = {"overdue": 0, "open": 1, "upcoming": 2, "done": 3}
    ranked = sorted(rows, key=lambda r: (order[r.state(today)], r.last))
    lines = [texts("plan.tasks_title", count=len(rows))]
    for row in ranked:
        state = row.state(today)
        line = texts(
            "plan.task_row",
            state=texts(f"plan.state.{state}"),
            place=html.escape(row.place),
            project=html.escape(row.project),
            first=row.first.isoformat(),
            last=row.last.isoformat(),
        )
        if row.done_on is not None:
            line += texts("plan.task_done_on", date=row.done_on.isoformat())
        lines.append(line)
    return split_message("\n".join(lines))
