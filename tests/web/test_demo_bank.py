"""/demo-bank: a relying party asking an EasyPay user to sign through the institution API over
HTTP with the demo institution's published key, then collecting once and checking the result
with public material only. Bad input is refused with a clear message and asks nothing."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from easypay.certificate import sign_requests
from easypay.certificate.demo import ensure_demo_institution
from easypay.db import Database
from easypay.models import SignRequest
from tests.certificate.lifecycle_support import CERT_PIN, fast_argon, issue, someone
from tests.web.helpers import csrf_of

__all__ = ["fast_argon"]


async def demo_institution(database: Database) -> None:
    async with database.transaction() as session:
        await ensure_demo_institution(session)


async def _ask(client: httpx.AsyncClient, **form: str) -> httpx.Response:
    page = await client.get("/demo-bank")
    assert page.status_code == 200
    return await client.post("/demo-bank/request", data={"csrf_token": csrf_of(page.text), **form})


async def _post(client: httpx.AsyncClient, path: str) -> httpx.Response:
    page = await client.get("/demo-bank")
    return await client.post(path, data={"csrf_token": csrf_of(page.text)})


async def _requests(database: Database) -> int:
    async with database.transaction() as session:
        return int((await session.execute(select(func.count(SignRequest.id)))).scalar_one())


class TestDemoBank:
    async def test_ask_sign_collect_and_every_check_passes(self, client, database, settings):
        await demo_institution(database)
        who = await someone(client, database, "이서연")
        await issue(client, who)
        text = "이지은행 신용대출 약정서\n대출금액: 5,000,000원"
        asked = await _ask(
            client, phone=who.phone, name=who.name, birth_date="1990-05-17", title="약정", text=text
        )
        assert asked.status_code == 303, asked.text
        page = await client.get("/demo-bank")
        assert 'data-testid="bank-status">pending<' in page.text
        async with database.transaction() as session:
            (receipt,) = (await session.execute(select(SignRequest.receipt_id))).scalars().all()
        assert f"/certificates/requests/{receipt}" in page.text
        async with database.transaction() as session:
            await sign_requests.approve(session, settings, who.user_id, receipt, CERT_PIN)
        page = await client.get("/demo-bank")
        assert 'data-testid="bank-status">signed<' in page.text
        checked = await _post(client, "/demo-bank/collect")
        assert checked.status_code == 200, checked.text
        assert checked.text.count('data-ok="yes"') == 4
        assert 'data-ok="no"' not in checked.text
        assert "The agreement is signed and verified" in checked.text
        again = await _post(client, "/demo-bank/collect")  # a result is handed out once
        assert again.status_code == 410
        assert "ResultGone" in again.text

    async def test_bad_input_is_refused_and_asks_nothing(self, client, database):
        await demo_institution(database)
        who = await someone(client, database, "박지훈")
        await issue(client, who)
        good = {
            "phone": who.phone,
            "name": who.name,
            "birth_date": "1990-05-17",
            "title": "약정",
            "text": "동의합니다",
        }
        cases = [
            ({**good, "birth_date": "17/05/1990"}, 422, "YYYY-MM-DD"),
            ({**good, "name": "다른사람"}, 404, "SignerNotFound"),
            ({**good, "text": ""}, 422, ""),
            ({**good, "title": "x" * 101}, 422, ""),
        ]
        for form, status, words in cases:
            answer = await _ask(client, **form)
            assert answer.status_code == status, (form, answer.text)
            assert words in answer.text
        assert await _requests(database) == 0
        nothing = await _post(client, "/demo-bank/collect")
        assert nothing.status_code == 400

    async def test_someone_without_a_certificate_cannot_be_asked(self, client, database):
        await demo_institution(database)
        who = await someone(client, database, "최유나")
        answer = await _ask(
            client, phone=who.phone, name=who.name, birth_date="1990-05-17", title="t", text="x"
        )
        assert answer.status_code == 404
        assert await _requests(database) == 0
