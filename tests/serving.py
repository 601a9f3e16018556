"""A throwaway aiohttp server for tests that need something at the other end of a URL: the
webhook receiver of tests/test_localapi_http.py, the wire recorder of tests/test_request.py."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Serves `app` on a free port of 127.0.0.1 until the block ends; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        # Port 0: the system picks a free one, so tests running side by side never collide.
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
