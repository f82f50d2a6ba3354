"""The webhook keeps what it could not handle: Telegram delivers an update again while it is answered
with a status other than 2XX (https://core.telegram.org/bots/api#setwebhook: "In case of an
unsuccessful request (a request with response HTTP status code different from 2XY), we will repeat the
request and give up after a reasonable amount of attempts")."""

from __future__ import annotations

import json

import httpx

from commands.domain.config import Config
from integrations.chat.telegram import SECRET_HEADER
from tests.db_outage import database_outage
from tests.integrations.chat.telegram_rig import IVANA, NOI_GROUP, NUMBER, PETAR, SECRET, telegram_rig


async def test_a_command_lost_to_a_passing_database_failure_is_refused_and_handled_when_sent_again(
        noi_config: Config, db_url: str) -> None:
    async with telegram_rig(noi_config, db_url, mode="webhook") as rig:
        url = f"http://127.0.0.1:{rig.tg.port}/telegram/webhook"
        update = rig.fake.message(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail", queue=False)
        body = json.dumps(update, ensure_ascii=False).encode()
        headers = {SECRET_HEADER: SECRET}
        async with httpx.AsyncClient(timeout=30) as http:
            with database_outage(rig.desk.db.engine) as refused:
                first = await http.post(url, content=body, headers=headers)
            assert refused, "the outage was not hit"
            assert not 200 <= first.status_code < 300  # Telegram will send it again
            assert rig.incidents() == []
            asked = update["message"]["message_id"]
            # Nothing was done, so nothing is said yet: the answer comes with the delivery that works.
            assert [m for m in rig.fake.chat_messages(NOI_GROUP) if m.reply_to == asked] == []

            again = await http.post(url, content=body, headers=headers)  # Telegram's retry
            assert again.status_code == 200
            [incident] = rig.incidents()
            assert incident.control_number == NUMBER
            [answer] = [m for m in rig.fake.chat_messages(NOI_GROUP) if m.reply_to == asked]
            assert answer.plain.startswith(NUMBER)

            once_more = await http.post(url, content=body, headers=headers)  # a repeat after success
            assert once_more.status_code == 200 and len(rig.incidents()) == 1


async def test_a_button_press_lost_to_a_passing_database_failure_is_pressed_again_by_telegram(
        noi_config: Config, db_url: str) -> None:
    async with telegram_rig(noi_config, db_url, mode="webhook") as rig:
        url = f"http://127.0.0.1:{rig.tg.port}/telegram/webhook"
        headers = {SECRET_HEADER: SECRET}
        async with httpx.AsyncClient(timeout=30) as http:
            report = rig.fake.message(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail", queue=False)
            assert (await http.post(url, json=report, headers=headers)).status_code == 200
            await rig.dispatch()
            press = rig.fake.press(1004, rig.card(), f"/ack {NUMBER}", queue=False)
            with database_outage(rig.desk.db.engine):
                first = await http.post(url, json=press, headers=headers)
            assert not 200 <= first.status_code < 300
            assert rig.incidents()[0].state == "registered"
            again = await http.post(url, json=press, headers=headers)
            assert again.status_code == 200
            assert rig.incidents()[0].state == "acknowledged"
            answers = [a for a in rig.fake.calls_to("answerCallbackQuery")
                       if a["callback_query_id"] == press["callback_query"]["id"]]
            assert len(answers) == 1 and "поет" in answers[0]["text"]


async def test_a_command_lost_to_a_lasting_database_error_is_answered_not_left_to_telegrams_retries(
        noi_config: Config, db_url: str) -> None:
    """A schema error (here: the incident table is missing) does not pass by trying again: the update is
    answered (2XX, so Telegram does not repeat it until it gives up) and the person is told politely,
    whether the error came through SQLAlchemy (/ack) or from the driver's own cursor (/incident)."""
    async with telegram_rig(noi_config, db_url, mode="webhook") as rig:
        url = f"http://127.0.0.1:{rig.tg.port}/telegram/webhook"
        headers = {SECRET_HEADER: SECRET}
        async with httpx.AsyncClient(timeout=30) as http:
            report = rig.fake.message(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail", queue=False)
            assert (await http.post(url, json=report, headers=headers)).status_code == 200
            with rig.desk.db.engine.begin() as conn:
                conn.exec_driver_sql("ALTER TABLE incident RENAME TO incident_away")
            for text in (f"/ack {NUMBER}", "/incident urgent cucm Calls fail again"):
                update = rig.fake.message(PETAR, NOI_GROUP, text, queue=False)
                answered = await http.post(url, json=update, headers=headers)
                assert answered.status_code == 200, text
                asked = update["message"]["message_id"]
                [answer] = [m for m in rig.fake.chat_messages(NOI_GROUP) if m.reply_to == asked]
                assert answer.plain.startswith("Съжаляваме, възникна грешка при нас и нищо не е променено."), text
