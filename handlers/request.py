"""python-telegram-bot's HTTP requests over aiohttp instead of httpx.

Measured with bench/throughput.py: httpcore 1.0's connection pool walks every queued request
against every connection on each request (encode/httpcore#1035), which took most of the bot's CPU
at a few hundred API calls a second; with aiohttp the same bot made 4.7x the conversation steps.
"""

from __future__ import annotations

from typing import Any, cast

import aiohttp
import orjson
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}


class NotSent(NetworkError):
    """The request never reached Telegram (no connection could be made): safe to send again."""


class ConnectionLost(NetworkError):
    """The connection broke after the request went out: Telegram may have acted on it."""


class AiohttpRequest(BaseRequest):
    """python-telegram-bot's requests over aiohttp (the `--client aiohttp` experiment).

    On every request and response httpcore 1.0's pool walks all queued requests times all
    connections, and for each idle connection all connections again (encode/httpcore#1035);
    at a few hundred calls a second that is most of the bot's CPU. aiohttp's connector hands
    out connections in constant time. Multipart file names go out unquoted, as httpx sends them.
    """

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Telegram's answer, read by orjson (PTB's documented hook for it): every answer is
        parsed, and the standard library's json took 2.6% of the bot's CPU at 200 deputies.
        Bytes that are not valid UTF-8 JSON go to PTB's own reader, which replaces bad bytes
        and raises TelegramError for what is not JSON at all."""
        try:
            return cast(dict[str, Any], orjson.loads(payload))
        except orjson.JSONDecodeError:
            return BaseRequest.parse_json_payload(payload)

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        files = request_data.multipart_data if request_data else None
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if files:
            assert request_data is not None
            form = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            data = form
        elif request_data is not None:
            # A JSON body, as the Bot API accepts: one orjson call where a form would
            # JSON-encode each nested field and then percent-encode every Chinese character.
            data = orjson.dumps(request_data.parameters)
            headers = _JSON
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if pool is None and connect is None else (pool or 0) + (connect or 0),
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # Raised before a byte of the request left: Telegram cannot have acted on it.
            raise NotSent(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise ConnectionLost(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _given(timeout: object, default: float | None) -> float | None:
    """A timeout the caller gave (a number, or None for none), else ours. PTB passes a default
    marker of its private types when the caller gave nothing; anything not a number is that."""
    if timeout is None or isinstance(timeout, int | float):
        return timeout
    return default
