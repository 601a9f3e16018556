"""A throwaway aiohttp server for tests that need something at the other end of a URL (the
webhook receiver of tests/test_localapi_http.py, the wire recorder of tests/test_request.py), and
free ports for the servers a test configures (the web console, the webhook)."""

from __future__ import annotations

import contextlib
import socket
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


def free_port() -> int:
    """A port of 127.0.0.1 free now, for a server configured by port number. Never a fixed
    one (the defaults 8080 and 8443 included): tests run side by side in pytest-xdist workers,
    and a port taken by another test would stop a bot from starting."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
