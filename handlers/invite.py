"""/invite (staff): role, then group or unit, then the person's name; answers with the link."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler

from bot.errors import Refused
from bot.invitations import InvitationRequest
from bot.people import Action, Role, require_can
from bot.usecases.membership import issue_invitation
from handlers import callbacks
from handlers import flow as flows
from handlers.context import BotContext
from handlers.conversation import END

ROLE, SCOPE, NAME = "invite.role", "invite.scope", "invite.name"
PREFIX = callbacks.INVITE


async def start_invite(update: Update, context: BotContext) -> str:
    """Ask which role the new person gets."""
    require_can(context.person, Action.INVITE)
    flow = flows.start_flow(context, "invite")
    message = update.effective_message
    assert message is not None
    texts = context.texts
    roles = [(texts(f"role.{r}"), "role", r.value) for r in Role]
    markup = flows.choices_keyboard(texts, PREFIX, flow["nonce"], roles)
    await message.reply_text(texts("invite_choose_role"), reply_markup=markup)
    return ROLE


async def role_step(update: Update, context: BotContext) -> str | int:
    press = await flows.pressed(update, context, PREFIX)
    if press is None:
        return ROLE
    query = press.query
    if press.verb == "cancel":
        flows.end_flow(context)
        await query.edit_message_text(context.texts("cancelled"))
        return END
    if press.verb != "role" or press.arg not in {r.value for r in Role}:
        return ROLE
    role = Role(press.arg)
    flow = flows.current_flow(context)
    flow["role"] = str(role)
    services = context.services
    texts = context.texts
    if role is Role.STAFF:
        await query.edit_message_text(texts("invite_ask_name", role=texts(f"role.{role}")))
        return NAME
    if role is Role.LIAISON:
        units = await services.catalog.units(services.campaign.id)
        rows = [[flows.button(u.name, PREFIX, flow["nonce"], "unit", u.code)] for u in units]
    else:
        groups = await services.catalog.groups(services.campaign.id)
        rows = [[flows.button(g.name, PREFIX, flow["nonce"], "group", g.code)] for g in groups]
    await query.edit_message_text(
        texts("invite_choose_scope"), reply_markup=InlineKeyboardMarkup(rows)
    )
    return SCOPE


async def scope_step(update: Update, context: BotContext) -> str:
    press = await flows.pressed(update, context, PREFIX)
    if press is None or press.verb not in {"group", "unit"}:
        return SCOPE
    flow = flows.current_flow(context)
    flow[press.verb] = press.arg
    await press.query.edit_message_text(
        context.texts("invite_ask_name", role=context.texts(f"role.{flow['role']}"))
    )
    return NAME


async def name_step(update: Update, context: BotContext) -> str | int:
    """Create the person and their invitation; show the link to pass on."""
    message = update.effective_message
    assert message is not None and message.text is not None
    flow = flows.current_flow(context)
    request = InvitationRequest(
        name=message.text.strip(),
        role=Role(flow["role"]),
        group_code=flow.get("group"),
        unit_code=flow.get("unit"),
    )
    try:
        issued = await issue_invitation(
            context.services,
            request,
            bot_username=context.bot.username,
            created_by=context.me,
            key=context.input_key,
        )
    except Refused as refused:
        await message.reply_text(context.texts(refused.key, **refused.params))
        return NAME
    flows.end_flow(context)
    texts = context.texts
    expires = issued.expires_at.astimezone(context.services.settings.zone).strftime(
        "%Y-%m-%d %H:%M"
    )
    await message.reply_text(
        texts(
            "invite_created",
            name=html.escape(issued.name),
            role=texts(f"role.{issued.role}"),
            link=issued.link,
            expires=expires,
        )
    )
    return END


# --- wiring --------------------------------------------------------------------------------------


def entry_points() -> list[flows.StepHandler]:
    """/invite (staff) opens this feature's steps."""
    return flows.steps(CommandHandler("invite", start_invite))


def states() -> dict[str, list[flows.StepHandler]]:
    """The role, the group or unit, the name."""
    return {
        ROLE: flows.button_step(role_step, PREFIX),
        SCOPE: flows.button_step(scope_step, PREFIX),
        NAME: flows.typed_step(name_step, "invite_name_expected"),
    }


def commands() -> list[flows.StepHandler]:
    """Handlers that work outside any conversation."""
    return []
