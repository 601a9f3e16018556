"""What the tests of the list's files (tests/test_export_*.py) share: people who joined by
invitation, submitted items with or without photos, a sample list, and one call that writes the
list in a format.

Items are made through the same repository calls the conversations use. Statuses beyond
"submitted", answers, ratings and look-backs are written straight into the database here (the
state machine that makes them is built elsewhere); each such shortcut says so where it is taken.
"""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import database_of
from bot.exports import ExportResult, export_list
from bot.invitations import InvitationRequest
from bot.items import Kind, NewDraft, Severity
from bot.listing import ListFilter
from bot.people import Person, Role
from bot.records import PhotoTarget
from bot.services import Services
from bot.usecases.membership import issue_invitation, join
from tests.images import make_jpeg

FORMULA = "=1+1 现场积水严重，需要排查"


_next_user = 900_000


async def person(services: Services, name: str, group: str = "G01") -> Person:
    global _next_user
    _next_user += 1
    issued = await issue_invitation(
        services,
        InvitationRequest(name, Role.DEPUTY, group, None),
        bot_username="deputy_test_bot",
        created_by=None,
    )
    joined, _ = await join(services, issued.token, _next_user)
    return joined


async def item(
    services: Services,
    author: Person,
    description: str,
    *,
    kind: Kind = Kind.PROBLEM,
    photos: int = 0,
    site_index: int = 0,
) -> int:
    """A submitted item at a site of the author's group, as /problem or /suggest makes it."""
    campaign_id = services.campaign.id
    assert author.group_id is not None
    projects = sorted(await services.catalog.group_project_ids(author.group_id))
    sites = [s for p in projects for s in await services.catalog.sites_of_project(campaign_id, p)]
    site = sites[site_index % len(sites)]
    categories = await services.catalog.categories(campaign_id)
    item_id = await services.items.create_draft(
        NewDraft(campaign_id, kind, author.id, author.group_id), services.clock.now()
    )
    fields: dict[str, object] = {
        "site_id": site.id,
        "project_id": site.project_id,
        "subitem_id": site.subitem_id,
        "description": description,
    }
    if kind is Kind.PROBLEM:
        fields |= {"category_id": categories[0].id, "severity": Severity.SERIOUS}
    await services.items.update_draft(item_id, author.id, services.clock.now(), **fields)
    for seed in range(photos):
        await services.evidence.ingest(
            make_jpeg(800, 600, pattern_seed=item_id * 10 + seed),
            person_id=author.id,
            target=PhotoTarget(item_id=item_id),
            site=None,
            reference_time=services.clock.now(),
            as_file=True,
            file_unique_id=f"f{item_id}-{seed}",
            now=services.clock.now(),
        )
    await services.items.submit(item_id, author.id, services.clock.now())
    return item_id


async def sql(services: Services, statement: str, *params: object) -> None:
    async with database_of(services).transaction() as conn:
        await conn.execute(statement, params)


async def sample(services: Services) -> dict[str, int]:
    """Three problems (one with two photos, one with a formula), two suggestions, and items that
    stay off the list by default: one withdrawn, one declined."""
    wang = await person(services, "王芳")
    li = await person(services, "李强")
    ids = {
        "photo": await item(services, wang, "外立面脚手架已停工两周，交付存在风险。", photos=2),
        "formula": await item(services, li, FORMULA, site_index=1),
        "plain": await item(services, wang, "消防通道被占用，存在安全隐患。", site_index=2),
        "suggest": await item(services, li, "建议增设遮阳棚和饮水点。", kind=Kind.SUGGESTION),
        "suggest2": await item(services, wang, "+86 热线电话应公示。", kind=Kind.SUGGESTION),
        "withdrawn": await item(services, wang, "已撤回的问题，不应出现在清单上。"),
        "declined": await item(services, li, "未采纳的问题，不应出现在清单上。"),
    }
    # Shortcuts while the review/forward state machine is built elsewhere.
    await sql(services, "UPDATE items SET status = 'withdrawn' WHERE id = ?", ids["withdrawn"])
    await sql(services, "UPDATE items SET status = 'declined' WHERE id = ?", ids["declined"])
    return ids


async def export(
    services: Services, fmt: str, tmp_path: Path, filters: ListFilter | None = None, **kw: object
) -> ExportResult:
    out = tmp_path / f"list.{fmt}"
    kw.setdefault("now", services.clock.now())
    return await export_list(services, fmt, out, filters or ListFilter(), **kw)  # type: ignore[arg-type]


def sheet_rows(ws: object) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]
