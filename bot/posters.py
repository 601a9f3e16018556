"""Site posters: one printed page per site with a QR code that opens the bot at the site's
check-in (bot/site_links.py). Staff get them in the chat (/posters) and from the command line
(`deputy-bot posters`); both come here. The page itself is drawn by bot/poster_docx.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.errors import Refused
from bot.services import Services
from bot.site_links import site_link
from bot.texts import Texts


def place(district: str, address: str) -> str:
    """Where a site is, for people: its address, after the district unless the address already
    begins with it (the catalog's addresses often do: 江干区明石路)."""
    if district and not address.startswith(district):
        return f"{district} {address}".strip()
    return address


@dataclass(frozen=True, slots=True)
class Poster:
    """What one site's page says."""

    site_code: str
    site_name: str
    place: str  # district and address (place())
    project: str  # "C01 title"
    subitem: str  # "C01-1 title", or "" when the site is not tied to a sub-item
    link: str  # what the QR code encodes


@dataclass(frozen=True, slots=True)
class PosterSheet:
    campaign: str
    posters: tuple[Poster, ...]


@dataclass(frozen=True, slots=True)
class PosterResult:
    path: Path
    pages: int
    bytes: int


async def gather(services: Services, *, bot_username: str, project_id: int | None) -> PosterSheet:
    """Every site of the campaign (or of one project), in catalog order: projects as listed,
    then each project's sites by code. A project of another campaign names nothing."""
    campaign = services.campaign
    catalog = services.catalog
    posters: list[Poster] = []
    for project in await catalog.projects(campaign.id):
        if project_id is not None and project.id != project_id:
            continue
        subitems = {s.id: s for s in await catalog.subitems_of_project(campaign.id, project.id)}
        for site in await catalog.sites_of_project(campaign.id, project.id):
            subitem = subitems.get(site.subitem_id) if site.subitem_id is not None else None
            posters.append(
                Poster(
                    site_code=site.code,
                    site_name=site.name,
                    place=place(site.district, site.address),
                    project=f"{project.code} {project.title}",
                    subitem=f"{subitem.code} {subitem.title}" if subitem else "",
                    link=site_link(bot_username, site.code),
                )
            )
    return PosterSheet(campaign.name, tuple(posters))


async def write_posters(
    services: Services,
    out: Path,
    *,
    bot_username: str,
    project_id: int | None,
    language: str,
) -> PosterResult:
    """Write the posters as a DOCX to `out`; refused when there is no site to print."""
    sheet = await gather(services, bot_username=bot_username, project_id=project_id)
    if not sheet.posters:
        raise Refused("posters.no_sites")
    # python-docx and segno load only when posters are made, not for every start of the bot.
    from bot.poster_docx import write_docx

    # Drawing the codes and zipping the document is CPU work: off the event loop.
    size = await asyncio.to_thread(write_docx, sheet, Texts(language), out)
    return PosterResult(out, len(sheet.posters), size)
