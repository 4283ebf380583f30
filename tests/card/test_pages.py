"""The cards pages: list, register (issuer-checked over real HTTP, PIN), remove."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from easypay.db import Database
from easypay.models import Card
from tests.card.builders import GOOD
from tests.web.helpers import PIN, csrf_of, post_form, sign_up, sign_up_with_pin

FORM = {
    "card_number": "9490-1200-0000-0012",
    "expiry": "1231",
    "birth_date": "900517",
    "password_two_digits": "12",
    "nickname": "생활비 카드",
    "pin": PIN,
}


@pytest.fixture
async def second(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 52000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def card_rows(database: Database) -> int:
    async with database.transaction() as session:
        return (await session.execute(select(func.count()).select_from(Card))).scalar_one()


async def register(client: httpx.AsyncClient, **overrides: str) -> httpx.Response:
    return await post_form(client, "/cards/register", "/cards/register", {**FORM, **overrides})


class TestCardsPages:
    async def test_signed_out_visitors_are_sent_to_sign_in(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/cards")
        assert response.status_code in (303, 307)
        assert "/signin" in response.headers["location"]

    async def test_register_then_see_it_listed(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await sign_up_with_pin(client)
        empty = await client.get("/cards")
        assert 'data-testid="cards-empty"' in empty.text
        response = await register(client)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/cards?notice=cards.registered"
        listed = await client.get(response.headers["location"])
        assert "카드를 등록했습니다." in listed.text
        assert "생활비 카드" in listed.text
        assert "9490-12**-****-0012" in listed.text
        assert GOOD not in listed.text
        assert await card_rows(database) == 1

    @pytest.mark.parametrize(
        ("overrides", "status", "message"),
        [
            ({"pin": "000000"}, 403, "결제 비밀번호"),
            ({"pin": "12"}, 422, "결제 비밀번호 6자리"),
            ({"card_number": "1234"}, 422, "카드번호를 확인해 주세요."),
            ({"expiry": "0125", "card_number": "9490120000000053"}, 422, "유효기간이 지난"),
            ({"password_two_digits": "99"}, 403, "카드 정보가 일치하지 않습니다."),
            ({"birth_date": "931102"}, 403, "본인 명의의 카드만"),
            ({"card_number": "9490120000000046"}, 403, "분실·정지"),
        ],
    )
    async def test_refusals_are_shown_on_the_form(
        self,
        client: httpx.AsyncClient,
        database: Database,
        overrides: dict[str, str],
        status: int,
        message: str,
    ) -> None:
        await sign_up_with_pin(client)
        response = await register(client, **overrides)
        assert response.status_code == status, response.text
        assert message in response.text
        assert 'data-testid="form-error"' in response.text
        # What was typed is kept, except the secrets.
        assert f'value="{overrides.get("card_number", FORM["card_number"])}"' in response.text
        assert 'name="password_two_digits" type="password"' in response.text
        assert f'value="{PIN}"' not in response.text
        assert await card_rows(database) == 0

    async def test_without_a_pin_the_form_asks_to_set_one(self, client: httpx.AsyncClient) -> None:
        await sign_up(client)
        response = await client.get("/cards/register")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/pin/set")

    async def test_a_form_without_csrf_is_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await sign_up_with_pin(client)
        response = await client.post("/cards/register", data=FORM)
        assert response.status_code == 403
        assert await card_rows(database) == 0

    async def test_remove_a_card(self, client: httpx.AsyncClient, database: Database) -> None:
        await sign_up_with_pin(client)
        assert (await register(client)).status_code == 303
        listed = await client.get("/cards")
        card_id = listed.text.split('action="/cards/')[1].split("/remove")[0]
        removed = await client.post(
            f"/cards/{card_id}/remove", data={"csrf_token": csrf_of(listed.text)}
        )
        assert removed.status_code == 303
        after = await client.get(removed.headers["location"])
        assert "카드를 삭제했습니다." in after.text
        assert 'data-testid="cards-empty"' in after.text

    async def test_another_users_card_cannot_be_removed(
        self, client: httpx.AsyncClient, second: httpx.AsyncClient, database: Database
    ) -> None:
        await sign_up_with_pin(client)
        assert (await register(client)).status_code == 303
        listed = await client.get("/cards")
        card_id = listed.text.split('action="/cards/')[1].split("/remove")[0]
        await sign_up_with_pin(second, phone="010-2345-6789", name="이서연")
        page = await second.get("/cards")
        response = await second.post(
            f"/cards/{card_id}/remove", data={"csrf_token": csrf_of(page.text)}
        )
        assert response.status_code == 404
        assert "9490-12**-****-0012" in (await client.get("/cards")).text
