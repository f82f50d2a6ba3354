"""/help: what the person may do here, in their language."""

from __future__ import annotations

from commands.desk.context import Context, Outcome
from commands.desk.domain.roles import COMMAND_ROLES, HELP_ORDER
from commands.desk.parse import Parsed
from commands.incidents.views import category_title


def show_help(ctx: Context, p: Parsed) -> Outcome:
    roles = ctx.roles
    wanted = p.args.strip().lstrip("/").casefold()
    if wanted:
        if wanted not in COMMAND_ROLES:
            ctx.fail("error.unknown_command", command=f"/{wanted}")
        return ctx.reply(ctx.t(f"help.{wanted}"), kind="info")
    lines = [ctx.t(f"help.{name}") for name in HELP_ORDER if set(COMMAND_ROLES[name]) & set(roles)]
    cust = ctx.customer
    lines.append(ctx.t("help.categories", choices=", ".join(
        f"{k} ({category_title(cust, k, ctx.locale)})" for k in cust.categories)))
    lines.append(ctx.t("help.components", choices=", ".join(cust.components)))
    title = ctx.t("help.title", roles=", ".join(ctx.t(f"role.{r}") for r in roles), customer=cust.name)
    return ctx.reply(title, *lines, kind="info")
