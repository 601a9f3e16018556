"""The list that goes with a forwarded batch: one XLSX file of the batch's items for the unit,
attached to a notice for each of its liaisons (the file's layout is bot/forward_list.py)."""

from __future__ import annotations

import asyncio
import hashlib
import html
from collections.abc import Sequence
from datetime import datetime

from bot.forward_list import ListRow, file_name, write_list
from bot.items import Item
from bot.notices import Notice
from bot.records import UnitRecord
from bot.texts import Texts
from handlers.context import BotContext


def list_rows(items: Sequence[Item], texts: Texts, due: str) -> list[ListRow]:
    """The forwarded items as rows of the unit's list, in `texts`' language."""
    rows = []
    for item in items:
        category = (
            item.category_name_en
            if texts.language == "en" and item.category_name_en
            else item.category_name
        )
        rows.append(
            ListRow(
                number=item.display_number,
                kind=texts(f"kind.{item.kind}"),
                project=item.project_title or "",
                subitem=item.subitem_title or "",
                site=item.site_name or "",
                category=category or "",
                content=item.description,
                due=due,
            )
        )
    return rows


def list_headers(texts: Texts) -> list[str]:
    return [
        texts("forward.col_number"),
        texts("forward.col_kind"),
        texts("forward.col_project"),
        texts("forward.col_subitem"),
        texts("forward.col_site"),
        texts("forward.col_category"),
        texts("forward.col_content"),
        texts("forward.col_due"),
    ]


def _batch_key(nonce: str, ids: Sequence[int]) -> str:
    """Names the batch: the same run forwarding the same items writes and sends one list."""
    digest = hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()[:10]
    return f"{nonce}-{digest}"


async def send_list(
    context: BotContext,
    unit: UnitRecord,
    items: Sequence[Item],
    due: str,
    liaisons: Sequence[int],
    run_nonce: str,
    now: datetime,
) -> None:
    """Attach the batch's list to the unit's liaisons, through the outbox like every notice."""
    services = context.services
    batch_key = _batch_key(run_nonce, [i.id for i in items])
    # One file for the whole unit, so it reads in the campaign's language, not the caller's.
    texts = Texts(services.settings.i18n.default_language)
    day = services.policy.day(now)
    path = services.settings.storage.files_dir / "forwarded" / file_name(unit.code, day, batch_key)
    title = texts("forward.list_title", unit=unit.name, day=day)
    await asyncio.to_thread(
        write_list, path, title, list_headers(texts), list_rows(items, texts, due)
    )
    notices = [
        Notice(
            person_id,
            key="forward.list_caption",
            params={"unit": html.escape(unit.name), "count": len(items)},
            file_path=str(path),
            file_kind="document",
            dedup=f"fwlist:{unit.id}:{batch_key}:{person_id}",
        )
        for person_id in dict.fromkeys(liaisons)
    ]
    await services.outbox.enqueue(notices, now)
    services.wake_sender()
