"""Sentences of the HTTP command intake (``POST /api/v1/commands``) that are not a command's own reply."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "api.unauthorized": {
        "en": "A valid API token is required: Authorization: Bearer <token>.",
        "bg": "Нужен е валиден API токен: Authorization: Bearer <токен>.",
        "fa": "توکن معتبر API لازم است: Authorization: Bearer <token>.",
    },
    "api.too_many_failures": {
        "en": "Too many requests with a wrong API token came from this address; wait before trying again.",
        "bg": "От този адрес дойдоха твърде много заявки с грешен API токен; изчакайте, преди да опитате отново.",
        "fa": "درخواست‌های زیادی با توکن API نادرست از این نشانی آمد؛ پیش از تلاش دوباره صبر کنید.",
    },
    "api.no_person": {
        "en": "The API token {name} belongs to nobody in the configuration: add \"api:{name}\" to a person's identities.",
        "bg": "API токенът {name} не принадлежи на никого в конфигурацията: добавете \"api:{name}\" към identities на човек.",
        "fa": "توکن API {name} به هیچ‌کس در پیکربندی تعلق ندارد: \"api:{name}\" را به identities یک نفر بیفزایید.",
    },
    "api.bad_json": {
        "en": "The body must be a JSON object with the command in \"text\" (e.g. \"text\": \"/incident ...\").",
        "bg": "Тялото трябва да е JSON обект с командата в \"text\" (напр. \"text\": \"/incident ...\").",
        "fa": "بدنه باید یک شیء JSON با فرمان در \"text\" باشد (مثلاً \"text\": \"/incident ...\").",
    },
    "api.too_large": {
        "en": "The request is larger than {limit} bytes.",
        "bg": "Заявката е по-голяма от {limit} байта.",
        "fa": "درخواست بزرگ‌تر از {limit} بایت است.",
    },
    "api.bad_key": {
        "en": "The Idempotency-Key header must be 1 to {limit} visible ASCII characters.",
        "bg": "Заглавието Idempotency-Key трябва да е от 1 до {limit} видими ASCII знака.",
        "fa": "سرآیند Idempotency-Key باید ۱ تا {limit} نویسهٔ قابل‌دیدن ASCII باشد.",
    },
    "api.shutting_down": {
        "en": "The desk is restarting; send the request again in a few seconds.",
        "bg": "Бюрото се рестартира; изпратете заявката отново след няколко секунди.",
        "fa": "میز خدمت در حال راه‌اندازی دوباره است؛ چند ثانیه بعد دوباره بفرستید.",
    },
}
