"""getUpdates, as Telegram sends the updates: raw JSON, to be journaled before anything else.

python-telegram-bot's Bot.get_updates parses the updates first (an update it cannot parse stops
the poll) and its Updater confirms them before they are processed; the intake needs neither.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson


class PollError(Exception):
    """getUpdates failed; `fatal` when trying again cannot help (the token is refused)."""

    def __init__(self, message: str, *, fatal: bool = False, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.fatal = fatal
        self.retry_after = retry_after


class LongPoll:
    """One long-polling connection to the Bot API (`bot_url`: base URL with the token)."""

    def __init__(self, bot_url: str, *, read_margin_seconds: float = 10.0) -> None:
        self._url = bot_url.rstrip("/") + "/getUpdates"
        self._margin = read_margin_seconds
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(
        self, offset: int | None, poll_seconds: int, allowed_updates: list[str]
    ) -> list[dict[str, Any]]:
        """The next updates (after waiting up to `poll_seconds` for one). Asking with `offset`
        confirms every update before it: call it only once those are journaled."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        body: dict[str, Any] = {"timeout": poll_seconds, "allowed_updates": allowed_updates}
        if offset is not None:
            body["offset"] = offset
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=10, sock_read=poll_seconds + self._margin
        )
        try:
            async with self._session.post(self._url, json=body, timeout=timeout) as response:
                status = response.status
                try:
                    # orjson: a batch of up to 100 updates, each read here before anything else.
                    payload = orjson.loads(await response.read())
                except orjson.JSONDecodeError:
                    payload = None
        except TimeoutError as exc:
            raise PollError("getUpdates timed out") from exc
        except aiohttp.ClientError as exc:
            raise PollError(f"getUpdates: {type(exc).__name__}") from exc
        if (
            isinstance(payload, dict)
            and payload.get("ok")
            and isinstance(payload.get("result"), list)
        ):
            return [u for u in payload["result"] if isinstance(u, dict)]
        description = payload.get("description") if isinstance(payload, dict) else None
        parameters = payload.get("parameters") if isinstance(payload, dict) else None
        retry_after = parameters.get("retry_after", 0) if isinstance(parameters, dict) else 0
        raise PollError(
            f"getUpdates answered {status}: {description or 'no description'}",
            fatal=status in (401, 404),
            retry_after=float(retry_after or 0),
        )
