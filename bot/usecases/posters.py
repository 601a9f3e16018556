"""Site posters for staff, and what scanning one does: check in at the site it names.

Staff choose all sites or one project's and get the posters (bot/posters.py). A deputy or leader
who scans a poster opens /start with the site's payload (bot/site_links.py); the site is looked up
here, and the check-in then asks for the location as /checkin does, judged against this site.
The command line makes posters for the operator, who has the database itself, through
bot/posters.py directly (bot/posters_cli.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.errors import Refused
from bot.people import Action, require_can
from bot.posters import PosterResult, write_posters
from bot.records import ProjectRecord, SiteRecord
from bot.services import Services
from bot.site_links import site_code_of
from bot.usecases.acting import Caller


@dataclass(frozen=True, slots=True)
class PosterChoice:
    project: ProjectRecord
    sites: int


async def choices(services: Services, caller: Caller) -> list[PosterChoice]:
    """The projects that have sites to print, in catalog order, with how many each has."""
    require_can(caller.person, Action.POSTERS)
    campaign_id = services.campaign.id
    found = []
    for project in await services.catalog.projects(campaign_id):
        sites = await services.catalog.sites_of_project(campaign_id, project.id)
        if sites:
            found.append(PosterChoice(project, len(sites)))
    return found


async def project_by_code(services: Services, caller: Caller, code: str) -> ProjectRecord | None:
    """The project `/posters C01` names (codes as the catalog spells them, any case); None when
    no project has that code."""
    require_can(caller.person, Action.POSTERS)
    for project in await services.catalog.projects(services.campaign.id):
        if project.code.casefold() == code.casefold():
            return project
    return None


async def make_posters(
    services: Services,
    caller: Caller,
    out: Path,
    *,
    bot_username: str,
    project_id: int | None,
    language: str,
) -> PosterResult:
    """The posters of every site, or of one project's; a forged project id names nothing."""
    require_can(caller.person, Action.POSTERS)
    if (
        project_id is not None
        and await services.catalog.project(services.campaign.id, project_id) is None
    ):
        raise Refused("button_expired")
    return await write_posters(
        services, out, bot_username=bot_username, project_id=project_id, language=language
    )


async def scanned_site(services: Services, caller: Caller, payload: str) -> SiteRecord:
    """The site a scanned poster names, for a person who may check in. Sites are public: any
    deputy may check in anywhere, as with /checkin. A stale or forged payload names nothing."""
    require_can(caller.person, Action.CHECKIN)
    code = site_code_of(payload)
    site = await services.catalog.site_by_code(services.campaign.id, code) if code else None
    if site is None:
        raise Refused("posters.unknown_site")
    return site
