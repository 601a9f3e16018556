"""The site posters as one Word document's bytes, for the doors that hand it over: /posters in the
chat (handlers/posters.py) and the console's download (web/documents.py).

The document is written to the files folder (bot/posters.py writes to a path), read back and
removed at once: the posters can be made again at any time, so nothing is kept on the server.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from bot.posters import PosterResult
from bot.services import Services
from bot.usecases.acting import Caller
from bot.usecases.posters import make_posters


async def posters_docx(
    services: Services,
    caller: Caller,
    *,
    bot_username: str,
    project_id: int | None,
    language: str,
) -> tuple[PosterResult, bytes]:
    """The posters of every site, or of one project's (checked as `make_posters` does), and the
    document's bytes."""
    files_dir = services.settings.storage.files_dir
    await asyncio.to_thread(files_dir.mkdir, parents=True, exist_ok=True)
    # One name a request: two people (or one person twice) may ask at the same moment.
    out = files_dir / f"posters-{caller.person.id}-{secrets.token_hex(4)}.docx"
    try:
        result = await make_posters(
            services,
            caller,
            out,
            bot_username=bot_username,
            project_id=project_id,
            language=language,
        )
        return result, await asyncio.to_thread(out.read_bytes)
    finally:
        await asyncio.to_thread(_remove, out)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
