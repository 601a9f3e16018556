"""/evaluation: the satisfaction evaluation's turnout and results, and the results as Excel.

Staff only, as in the chat (bot/usecases/evaluation.py asks): anyone else gets the polite
refusal page. Results appear once the round is closed, the same rule the chat follows.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.errors import Refused
from bot.evaluation_files import file_name, render, verdict_text
from bot.texts import Texts
from bot.usecases import evaluation
from web.downloads import XLSX, download
from web.keys import RENDERER, SERVICES
from web.render import Context, template
from web.session import who_of

log = logging.getLogger(__name__)


@template("evaluation.html")
async def evaluation_page(request: web.Request) -> Context:
    services = request.app[SERVICES]
    who = who_of(request)
    round_ = await evaluation.current(services, who.person)
    results = None
    if round_ is not None:
        results = await evaluation.results(services, who.person, round_.id)
    texts = Texts(request.app[RENDERER].language(request))
    return {"results": results, "verdict": lambda r: verdict_text(r, texts)}


async def evaluation_xlsx(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    who = who_of(request)
    round_ = await evaluation.current(services, who.person)
    if round_ is None or round_.open:
        raise Refused("evaluation.results_after_close")
    results = await evaluation.results(services, who.person, round_.id)
    texts = Texts(request.app[RENDERER].language(request))
    body = await asyncio.to_thread(render, "xlsx", results, texts, services.campaign.name)
    log.info("Evaluation round %s results downloaded by session %s", round_.id, who.session_id)
    return download(body, file_name("xlsx", results), XLSX)
