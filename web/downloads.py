"""The console's files to save (the item list as CSV or XLSX, an evaluation's results, the
documents): one response, so every download names its file the same way."""

from __future__ import annotations

from pathlib import PurePath
from typing import Final
from urllib.parse import quote

from aiohttp import web

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def download(body: bytes, name: str, content_type: str, charset: str | None = None) -> web.Response:
    # Many names are Chinese: RFC 6266's filename* for browsers, an ASCII filename for the rest.
    plain = (
        name.encode("ascii", "ignore").decode().lstrip("-_") or f"document{PurePath(name).suffix}"
    )
    return web.Response(
        body=body,
        content_type=content_type,
        charset=charset,
        headers={
            "Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
        },
    )
