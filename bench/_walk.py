"""What a simulated deputy of the throughput benchmark does, step by step, and what a run of
them measures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.records import SiteRecord
from localapi import SimUser

from ._harness import (
    CpuMeter,
    percentile,
)


@dataclass
class Deputy:
    user: SimUser
    site: SiteRecord
    number: int


@dataclass(frozen=True)
class Step:
    """One update from the deputy; `replies` new bot messages (edits aside) end the step, the
    last of them showing `expect`."""

    name: str
    act: Callable[[Deputy], Awaitable[object]]
    replies: int
    expect: str


def say_text(deputy: Deputy, text: str) -> Awaitable[object]:
    return deputy.user.send_text(text)


@dataclass
class Run:
    """What one side of the comparison did in its measured window."""

    label: str
    users: int
    steps: int = 0
    wall: float = 0.0
    first_reply: list[float] = field(default_factory=list)
    step_done: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    by_step: dict[str, list[float]] = field(default_factory=dict)
    get_updates: int = 0
    api_calls: int = 0
    cpu: CpuMeter | None = None
    bot_errors: int = 0
    bot_log: str = ""

    @property
    def rate(self) -> float:
        return self.steps / self.wall if self.wall > 0 else 0.0

    def describe(self, verbose: bool = False) -> str:
        p50, p99 = percentile(self.first_reply, 50), percentile(self.first_reply, 99)
        d50, d99 = percentile(self.step_done, 50), percentile(self.step_done, 99)
        batch = self.steps / self.get_updates if self.get_updates else 0.0
        lines = [
            f"{self.label}: {self.rate:.1f} steps/s ({self.steps} steps by {self.users} users "
            f"in {self.wall:.2f} s)",
            f"  latency update -> first reply: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms",
            f"  latency update -> step done:   p50 {d50 * 1000:.0f} ms, p99 {d99 * 1000:.0f} ms",
            f"  API calls per step {self.api_calls / max(self.steps, 1):.2f}; getUpdates calls "
            f"{self.get_updates}, {batch:.1f} updates per batch",
        ]
        if self.cpu is not None:
            lines.append(f"  {self.cpu.describe()}")
        if verbose and self.by_step:
            lines.append(
                "  step done p50/p99 by step (ms): "
                + ", ".join(
                    f"{name} {percentile(v, 50) * 1000:.0f}/{percentile(v, 99) * 1000:.0f}"
                    for name, v in self.by_step.items()
                )
            )
        if self.failures or self.bot_errors:
            lines.append(
                f"  FAILURES: {len(self.failures)} conversations, {self.bot_errors} errors logged"
            )
            lines.extend(f"    {failure}" for failure in self.failures[:5])
            if self.bot_log:
                lines.append("  The bot's log ends with:")
                lines.extend(f"    {line}" for line in self.bot_log.splitlines())
        return "\n".join(lines)
