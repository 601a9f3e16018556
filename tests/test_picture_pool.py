"""The picture pool: work runs in processes of its own, and closing the services stops them."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from bot.bootstrap import open_services
from bot.config import Settings, StorageSettings
from bot.picture_pool import PicturePool, machine_workers


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _assert_all_exit(pids: set[int]) -> None:
    for _ in range(100):  # the fork server reaps them a moment after they exit
        if not any(_alive(pid) for pid in pids):
            break
        await asyncio.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


async def test_work_runs_in_other_processes_and_stops_with_the_pool() -> None:
    pool = PicturePool(2)
    assert not pool.started
    pids = set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(6))))
    assert pool.started
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    await pool.close()
    await _assert_all_exit(pids)
    with pytest.raises(RuntimeError, match="shut down"):
        await pool.run(os.getpid)
    await pool.close()  # twice is harmless


async def test_the_pool_is_sized_to_the_machine_and_warms_up_in_the_background() -> None:
    pool = PicturePool()
    try:
        assert pool.workers == machine_workers() >= 1
        pool.warm_up()
        for _ in range(200):
            if pool.started:
                break
            await asyncio.sleep(0.05)
        assert pool.started
    finally:
        await pool.close()


async def test_closing_the_services_stops_the_pools_processes(tmp_path: Path) -> None:
    settings = Settings(storage=StorageSettings(data_dir=tmp_path / "data"))
    services = await open_services(settings, require_campaign=False)
    try:
        assert services.pictures is not None
        pids = set(await asyncio.gather(*(services.pictures.run(os.getpid) for _ in range(2))))
    finally:
        await services.close()
    await _assert_all_exit(pids)
    with pytest.raises(RuntimeError, match="shut down"):
        await services.pictures.run(os.getpid)
