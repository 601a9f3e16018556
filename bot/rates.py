"""Rates and how people read them: one rule for every figure the bot shows (tally, overview,
per-unit figures, evaluation), so the same ratio never prints two ways."""

from __future__ import annotations


def rate(part: int, whole: int) -> float | None:
    """part / whole; None when there is nothing to divide by (no dash-worthy 0%)."""
    return part / whole if whole else None


def percent(value: float | None) -> str:
    """A rate as people read it (85.7%); a dash without one."""
    return "—" if value is None else f"{value * 100:.1f}%"
