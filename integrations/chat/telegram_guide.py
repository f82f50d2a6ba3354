"""The guided /incident: a bare ``/incident`` asks for the category and the component with reply keyboards,
then for the description with a ForceReply, and files ``/incident <category> <component> <description>``
as if typed. ``/cancel`` (without arguments) stops it; a new bare ``/incident`` starts over.

In groups every question is a reply to the person's message with a *selective* keyboard, so only they see
it, and the description is asked with ForceReply: in privacy mode the bot receives only commands and
replies to its own messages. Drafts live in memory (a restart forgets a half-filled report, never a
registered one)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import (
    ForceReply,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from commands.desk.directory import Directory
from commands.desk.reply import Form
from commands.domain.config import CustomerConfig
from commands.domain.i18n.catalog import t
from commands.incidents.views import category_title, component_title
from integrations.chat.telegram_render import escape

CATEGORY, COMPONENT, DESCRIPTION = range(3)
Submit = Callable[[Update, str, Form | None], Awaitable[None]]  # (update, command line, its fields)
# (user id, chat id, chat type) → (customer id, locale) of the report to guide, or None where the desk
# would refuse a bare /incident or ask which customer (the desk's decision: integrations/chat/asking.py)
Decide = Callable[[int, int, str], tuple[str, str] | None]
_ANSWER = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND


@dataclass
class Draft:
    customer_id: str
    locale: str
    category: str = ""
    component: str = ""


def _match(answer: str, options: dict[str, tuple[str, ...]]) -> str | None:
    """The key whose names (key, titles, label, aliases) include the answer, case-insensitively."""
    wanted = answer.strip().casefold()
    return next((key for key, names in options.items() if wanted in {n.casefold() for n in (key, *names)}), None)


def _categories(customer: CustomerConfig) -> dict[str, tuple[str, ...]]:
    return {k: (*c.title.values(), *c.aliases) for k, c in customer.categories.items()}


def _components(customer: CustomerConfig) -> dict[str, tuple[str, ...]]:
    return {k: (c.label or k, c.name, *c.aliases) for k, c in customer.components.items()}


def _keyboard(labels: list[str], placeholder: str) -> ReplyKeyboardMarkup:
    rows = [[KeyboardButton(x) for x in labels[i : i + 2]] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True, selective=True,
                               input_field_placeholder=placeholder[:64])


class IncidentGuide:
    def __init__(self, directory: Directory, submit: Submit, decide: Decide) -> None:
        self.directory = directory
        self.submit = submit
        self.decide = decide
        self._drafts: dict[tuple[int, int], Draft] = {}

    def handler(self) -> BaseHandler[Update, ContextTypes.DEFAULT_TYPE, object]:
        new = filters.UpdateType.MESSAGE
        return ConversationHandler(
            entry_points=[CommandHandler("incident", self._start, filters=new, has_args=False)],
            states={
                CATEGORY: [MessageHandler(_ANSWER, self._category)],
                COMPONENT: [MessageHandler(_ANSWER, self._component)],
                DESCRIPTION: [MessageHandler(_ANSWER, self._description)],
            },
            fallbacks=[CommandHandler("cancel", self._cancel, filters=new, has_args=False)],
            allow_reentry=True,
            name="incident-guide",
        )

    @staticmethod
    def _key(update: Update) -> tuple[int, int]:
        assert update.effective_chat is not None and update.effective_user is not None
        return update.effective_chat.id, update.effective_user.id

    def _customer(self, update: Update) -> tuple[str, str] | None:
        """(customer id, locale) when it is clear whose report this is and the person may file it."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return None
        return self.decide(user.id, chat.id, chat.type)

    async def _ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                   markup: ReplyKeyboardMarkup | ForceReply | ReplyKeyboardRemove) -> None:
        msg = update.effective_message
        assert msg is not None
        await context.bot.send_message(msg.chat_id, escape(text), parse_mode=ParseMode.HTML, reply_markup=markup,
                                       reply_parameters=ReplyParameters(msg.message_id,
                                                                        allow_sending_without_reply=True))

    async def _start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        found = self._customer(update)
        if found is None:  # the desk explains (unknown person or chat, which customer, ...)
            await self.submit(update, "/incident", None)
            return ConversationHandler.END
        cid, locale = found
        customer = self.directory.customer(cid)
        self._drafts[self._key(update)] = Draft(cid, locale)
        labels = [category_title(customer, k, locale) for k in customer.categories]
        question = t(locale, "telegram.guide.category", customer=customer.name)
        await self._ask(update, context, question, _keyboard(labels, t(locale, "telegram.placeholder.category")))
        return CATEGORY

    async def _category(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = self._drafts.get(self._key(update))
        if draft is None:
            return ConversationHandler.END
        customer = self.directory.customer(draft.customer_id)
        key = _match(_text(update), _categories(customer))
        if key is None:
            labels = [category_title(customer, k, draft.locale) for k in customer.categories]
            await self._ask(update, context, t(draft.locale, "telegram.guide.again"), _keyboard(labels, ""))
            return CATEGORY
        draft.category = key
        labels = [component_title(customer, k) for k in customer.components]
        await self._ask(update, context, t(draft.locale, "telegram.guide.component"), _keyboard(labels, ""))
        return COMPONENT

    async def _component(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = self._drafts.get(self._key(update))
        if draft is None:
            return ConversationHandler.END
        customer = self.directory.customer(draft.customer_id)
        key = _match(_text(update), _components(customer))
        if key is None:
            labels = [component_title(customer, k) for k in customer.components]
            await self._ask(update, context, t(draft.locale, "telegram.guide.again"), _keyboard(labels, ""))
            return COMPONENT
        draft.component = key
        prompt = ForceReply(selective=True, input_field_placeholder=t(draft.locale, "telegram.placeholder.description")[:64])
        await self._ask(update, context, t(draft.locale, "telegram.guide.description"), prompt)
        return DESCRIPTION

    async def _description(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = self._drafts.pop(self._key(update), None)
        if draft is None:
            return ConversationHandler.END
        # The steps separated the fields: the description goes as typed, never parsed for options.
        form = Form("incident", (draft.category, draft.component), _text(update).strip())
        await self.submit(update, "/incident", form)
        return ConversationHandler.END

    async def _cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = self._drafts.pop(self._key(update), None)
        locale = draft.locale if draft else "en"
        await self._ask(update, context, t(locale, "telegram.guide.cancelled"), ReplyKeyboardRemove(selective=True))
        return ConversationHandler.END


def _text(update: Update) -> str:
    msg = update.effective_message
    return (msg.text or "") if msg is not None else ""
