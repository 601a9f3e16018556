"""/campaign: the campaigns a person takes part in, and switching the current one.

Which membership each update acts as is decided by the gate (handlers/common.py) and, for the
steps of an open conversation, by handlers/conversation.py; bot/usecases/campaigns.py says how."""

from __future__ import annotations

import html
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.campaign_ports import PartnerGroup
from bot.errors import Refused
from bot.usecases import campaigns, joint
from bot.visits import NearbySite
from handlers import callbacks
from handlers.common import set_person_commands
from handlers.context import BotContext
from handlers.feature import OneStep
from handlers.flow import StepHandler


async def campaign_command(update: Update, context: BotContext) -> None:
    """/campaign: the campaigns one takes part in, the current one marked, buttons to switch."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    texts = context.texts
    mine = await campaigns.memberships(context.services, user.id)
    current = context.me.campaign_id
    lines = [texts("campaign.title")]
    rows = []
    for m in mine:
        label = texts(
            "campaign.line",
            campaign=html.escape(m.campaign.name),
            role=texts(f"role.{m.person.role}"),
        )
        lines.append(("▶ " if m.campaign.id == current else "　") + label)
        if m.campaign.id != current:
            rows.append(
                [
                    InlineKeyboardButton(
                        texts("campaign.switch", campaign=m.campaign.name),
                        callback_data=f"{callbacks.CAMPAIGN}:{m.campaign.id}",
                    )
                ]
            )
    if len(mine) <= 1:
        lines.append(texts("campaign.only_one"))
    await message.reply_text(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


async def campaign_chosen(update: Update, context: BotContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    arg = (query.data or "").removeprefix(f"{callbacks.CAMPAIGN}:")
    try:
        chosen = await campaigns.switch(
            context.services, user.id, int(arg) if arg.isdigit() else None
        )
    except Refused as refused:
        await query.answer(context.texts(refused.key, **refused.params), show_alert=True)
        return
    context.person = chosen.person
    await query.answer()
    await query.edit_message_text(
        context.texts(
            "campaign.now",
            campaign=html.escape(chosen.campaign.name),
            role=context.texts(f"role.{chosen.person.role}"),
        )
        + "\n\n"
        + context.texts(f"help.{chosen.person.role}")
    )
    if query.message is not None:
        # The menu shows the commands of the role held in the chosen campaign.
        await set_person_commands(context, query.message.chat.id, chosen.person, context.texts)


async def sites_around(
    context: BotContext, flow: dict[str, Any], lat: float, lon: float
) -> list[NearbySite]:
    """/checkin's sites within reach of the location. A person of several campaigns checks in
    where the location is a site of one: the flow goes on in that campaign, and they are told."""
    user_id = context.me.telegram_user_id
    around = await campaigns.sites_around(context.services, user_id, context.me, lat, lon)
    moved = around.moved
    if moved is not None and user_id is not None:
        context.person = moved.person
        flow["campaign"] = moved.campaign.id
        await context.bot.send_message(
            user_id,
            context.texts("campaign.by_location", campaign=html.escape(moved.campaign.name)),
        )
    return around.sites


# --- joint inspections (bot/usecases/joint.py) ----------------------------------------------------


def _numbers(data: str | None) -> list[int | None]:
    """The ids after a joint button's prefix (<record>[:<group>]); None where one is not a number."""
    return [int(p) if p.isdigit() else None for p in (data or "").split(":")[1:3]]


def _partner_buttons(
    context: BotContext, data: str, partners: list[PartnerGroup]
) -> InlineKeyboardMarkup:
    """A button per partner group, its data `data:<group id>`."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.texts("campaign.joint_group", campaign=g.campaign_name, group=g.name),
                    callback_data=f"{data}:{g.id}",
                )
            ]
            for g in partners
        ]
    )


def with_joint_button(
    context: BotContext, visit_id: int, markup: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup | None:
    """The check-in's closing buttons, and 联合视察… when the deployment serves several campaigns."""
    if len(context.services.served) <= 1:
        return markup
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    data = f"{callbacks.JOINT}:{visit_id}"
    rows.append([InlineKeyboardButton(context.texts("campaign.joint_button"), callback_data=data)])
    return InlineKeyboardMarkup(rows)


async def joint_pressed(update: Update, context: BotContext) -> None:
    """jv:<visit>: the partner groups to choose from; jv:<visit>:<group>: share with it."""
    query = update.callback_query
    assert query is not None
    numbers = _numbers(query.data)
    visit_id = numbers[0] if numbers else None
    if len(numbers) < 2:
        partners = await joint.visit_partners(context.services, context.person, visit_id)
        await query.answer()
        if query.message is not None:
            await context.bot.send_message(
                query.message.chat.id,
                context.texts("campaign.joint_choose"),
                reply_markup=_partner_buttons(context, f"{callbacks.JOINT}:{visit_id}", partners),
            )
        return
    group = await joint.share_visit(context.services, context.caller(), visit_id, numbers[1])
    await query.answer()
    await query.edit_message_text(
        context.texts(
            "campaign.joint_done",
            campaign=html.escape(group.campaign_name),
            group=html.escape(group.name),
        )
    )


async def joint_item_command(update: Update, context: BotContext) -> None:
    """/joint <number>: share an item one reviews with a partner campaign's group."""
    message = update.effective_message
    assert message is not None
    texts = context.texts
    if not context.args:
        await message.reply_text(texts("campaign.joint_usage"))
        return
    item, partners = await joint.item_partners(
        context.services, context.person, " ".join(context.args)
    )
    await message.reply_text(
        texts("campaign.joint_item_choose", number=item.display_number),
        reply_markup=_partner_buttons(context, f"{callbacks.JOINT_ITEM}:{item.id}", partners),
    )


async def joint_item_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    numbers = _numbers(query.data)
    if len(numbers) < 2:
        await query.answer(context.texts("button_expired"), show_alert=True)
        return
    item, group = await joint.share_item(context.services, context.caller(), numbers[0], numbers[1])
    await query.answer()
    await query.edit_message_text(
        context.texts(
            "campaign.joint_item_done",
            number=item.display_number,
            campaign=html.escape(group.campaign_name),
            group=html.escape(group.name),
        )
    )


def commands() -> list[StepHandler]:
    return [
        cast(StepHandler, CommandHandler("campaign", campaign_command)),
        cast(
            StepHandler,
            CallbackQueryHandler(campaign_chosen, pattern=callbacks.pattern(callbacks.CAMPAIGN)),
        ),
        cast(
            StepHandler,
            CallbackQueryHandler(joint_pressed, pattern=callbacks.pattern(callbacks.JOINT)),
        ),
        cast(StepHandler, CommandHandler("joint", joint_item_command)),
        cast(
            StepHandler,
            CallbackQueryHandler(
                joint_item_pressed, pattern=callbacks.pattern(callbacks.JOINT_ITEM)
            ),
        ),
    ]


FEATURE = OneStep(commands)
