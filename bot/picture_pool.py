"""Processes of their own for drawing: the daily summaries' charts and contact sheets.

Pillow holds the GIL while it lays out text and for much of decoding and encoding, so pictures
drawn in threads ran one at a time and stalled the event loop (people's updates waited behind
100 groups' pictures every evening). The pool is made once by the composition root
(bot/bootstrap.py), one process per core; its processes start at the first picture and stop when
the services close.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def machine_workers() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class PicturePool:
    """Runs picklable top-level functions in worker processes and awaits their results."""

    def __init__(self, workers: int | None = None, *, preload: Sequence[str] = ()) -> None:
        self.workers = workers or machine_workers()
        # Never fork: the bot's process has threads (SQLite's connections, asyncio's executor),
        # and a forked child inherits their locks in whatever state they were. The fork server
        # imports `preload` once, so each worker starts with Pillow and the drawing code loaded.
        method = (
            "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        )
        context = multiprocessing.get_context(method)
        if method == "forkserver" and preload:
            context.set_forkserver_preload(list(preload))
        self._executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            self.workers, mp_context=context
        )
        self._warming: asyncio.Task[None] | None = None
        self.started = False  # its processes are up (a task has come back)

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """function(*args) in a worker; the arguments and the result cross by pickle."""
        executor = self._executor
        if executor is None:
            raise RuntimeError("the picture pool is shut down")
        # Submitted from a thread: the first submit starts the fork server and the workers, and
        # pickles the arguments, neither of which may hold up the event loop.
        future = await asyncio.to_thread(executor.submit, function, *args)
        result = await asyncio.wrap_future(future)
        self.started = True
        return result

    def warm_up(self) -> None:
        """Start the processes in the background (a person waiting for one picture should not
        wait for them; the evening's hundred summaries find them up)."""
        if self._warming is None and self._executor is not None:
            self._warming = asyncio.create_task(self._warm())

    async def _warm(self) -> None:
        try:
            await asyncio.gather(*(self.run(_nothing) for _ in range(self.workers)))
        except Exception:
            log.exception("The picture pool did not start; pictures are drawn when asked")

    async def close(self) -> None:
        """Wait for the pictures being drawn, then stop the workers (off the event loop)."""
        executor, self._executor = self._executor, None
        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
            log.debug("Picture pool shut down")


def _nothing() -> None:
    """A task for a worker to start on."""
