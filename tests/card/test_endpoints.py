"""The cards API: register (PIN, Idempotency-Key, the issuer's checks), list, read, remove."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import FakeClock
from easypay.models import Card
from tests.card.builders import (
    CHECK,
    DO_NOT_HONOR,
    EXPIRED,
    GOOD,
    LOST,
    Sandbox,
    card_body,
    register_card,
)
from tests.conftest import LiveServer
from tests.money.builders import Person, person


@pytest.fixture
async def sandbox(live_server: LiveServer, settings: Settings) -> AsyncIterator[Sandbox]:
    admin = Sandbox(live_server.url, settings)
    yield admin
    await admin.aclose()


async def card_rows(database: Database) -> int:
    async with database.transaction() as session:
        return (await session.execute(select(func.count()).select_from(Card))).scalar_one()


async def cards_of(client: httpx.AsyncClient, someone: Person) -> list[dict[str, object]]:
    response = await client.get("/api/v1/cards", headers=someone.headers)
    assert response.status_code == 200
    cards: list[dict[str, object]] = response.json()
    return cards


class TestRegisterCard:
    async def test_a_card_is_registered_and_listed(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        response = await register_card(client, minjun, "9490-1200 0000-0012", nickname="생활비")
        assert response.status_code == 201, response.text
        card = response.json()
        assert card["masked_number"] == "9490-12**-****-0012"
        assert (card["bin"], card["last4"], card["card_type"], card["nickname"]) == (
            "949012",
            "0012",
            "신용",
            "생활비",
        )
        assert "token" not in str(card).lower()
        assert GOOD not in response.text
        assert await cards_of(client, minjun) == [card]

    async def test_the_nickname_defaults_to_issuer_and_last_digits(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        response = await register_card(client, minjun, CHECK)
        assert response.json()["nickname"] == "샌드박스카드 0060"
        assert response.json()["card_type"] == "체크"

    async def test_a_retry_with_the_same_key_replays_the_first_answer(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        headers = minjun.with_key("card-1")
        first = await client.post("/api/v1/cards", json=card_body(), headers=headers)
        again = await client.post("/api/v1/cards", json=card_body(), headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert await card_rows(database) == 1

    @pytest.mark.parametrize(
        ("pin", "status", "code"),
        [("000000", 403, "WrongPin"), ("", 422, None), (None, 422, None)],
    )
    async def test_a_wrong_or_missing_pin_registers_nothing(
        self,
        client: httpx.AsyncClient,
        database: Database,
        sandbox: Sandbox,
        pin: str | None,
        status: int,
        code: str | None,
    ) -> None:
        minjun = await person(client, database, link=False)
        body = card_body()
        if pin is None:
            del body["pin"]
        else:
            body["pin"] = pin
        response = await client.post("/api/v1/cards", json=body, headers=minjun.with_key())
        assert response.status_code == status, response.text
        if code:
            assert response.json()["error"] == code
        assert await card_rows(database) == 0
        assert (await sandbox.card(GOOD))["token"] is None  # the issuer was never asked

    @pytest.mark.parametrize(
        ("overrides", "status", "code"),
        [
            ({"card_number": "9490120000000013"}, 422, "InvalidCardNumber"),  # Luhn
            ({"card_number": "abcd"}, 422, "InvalidCardNumber"),
            ({"card_number": "１２３４５６７８９０１２"}, 422, "InvalidCardNumber"),
            ({"card_number": "9490129999999993"}, 422, "InvalidCardNumber"),  # never issued
            ({"expiry": "1325"}, 422, "InvalidCardDetails"),
            ({"expiry": "12"}, 422, "InvalidCardDetails"),
            ({"card_number": EXPIRED, "expiry": "0125"}, 422, "CardExpired"),
            ({"birth_date": "9005"}, 422, "InvalidCardDetails"),
            ({"birth_date": "931102"}, 403, "CardNotYours"),
            ({"password_two_digits": "1"}, 422, "InvalidCardDetails"),
            ({"password_two_digits": "ab"}, 422, "InvalidCardDetails"),
            ({"password_two_digits": "34"}, 403, "CardVerificationFailed"),
            ({"expiry": "1130"}, 403, "CardVerificationFailed"),
            ({"card_number": LOST}, 403, "CardRestricted"),
            ({"nickname": "가" * 41}, 422, None),
            ({"card_number": ""}, 422, None),
        ],
    )
    async def test_bad_details_are_refused_and_register_nothing(
        self,
        client: httpx.AsyncClient,
        database: Database,
        overrides: dict[str, str],
        status: int,
        code: str | None,
    ) -> None:
        minjun = await person(client, database, link=False)
        response = await client.post(
            "/api/v1/cards", json=card_body(**overrides), headers=minjun.with_key()
        )
        assert response.status_code == status, response.text
        if code:
            assert response.json()["error"] == code
        assert await card_rows(database) == 0

    async def test_a_card_that_never_authorises_can_still_be_registered(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        response = await register_card(client, minjun, DO_NOT_HONOR)
        assert response.status_code == 201

    async def test_an_unavailable_issuer_registers_nothing_and_a_retry_works(
        self, client: httpx.AsyncClient, database: Database, sandbox: Sandbox
    ) -> None:
        minjun = await person(client, database, link=False)
        await sandbox.fault("register", "fail_after_success")
        headers = minjun.with_key("card-retry")
        failed = await client.post("/api/v1/cards", json=card_body(), headers=headers)
        assert failed.status_code == 503
        assert failed.json()["error"] == "CardIssuerUnavailable"
        assert await card_rows(database) == 0
        retried = await client.post("/api/v1/cards", json=card_body(), headers=headers)
        assert retried.status_code == 201
        assert await card_rows(database) == 1

    async def test_an_issuer_decline_is_refused(
        self, client: httpx.AsyncClient, database: Database, sandbox: Sandbox
    ) -> None:
        minjun = await person(client, database, link=False)
        await sandbox.fault("register", "decline", decline_code="05")
        response = await register_card(client, minjun)
        assert response.status_code == 403
        assert response.json()["error"] == "CardRestricted"
        assert await card_rows(database) == 0

    async def test_the_same_card_twice_is_a_conflict(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        assert (await register_card(client, minjun)).status_code == 201
        again = await register_card(client, minjun)
        assert again.status_code == 409
        assert again.json()["error"] == "CardAlreadyRegistered"
        assert await card_rows(database) == 1

    async def test_concurrent_registrations_of_one_card_make_one(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        responses = await asyncio.gather(*(register_card(client, minjun) for _ in range(4)))
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
        assert await card_rows(database) == 1

    async def test_a_card_in_another_wallet_is_a_conflict(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        other = await person(client, database, link=False)
        assert (await register_card(client, minjun)).status_code == 201
        response = await register_card(client, other)
        assert response.status_code == 409
        assert response.json()["error"] == "CardRegisteredElsewhere"
        assert await cards_of(client, other) == []

    async def test_a_wallet_holds_at_most_twenty_cards(
        self, client: httpx.AsyncClient, database: Database, sandbox: Sandbox
    ) -> None:
        from easypay.card.numbers import luhn_valid

        minjun = await person(client, database, link=False)
        numbers = []
        candidate = 9490125000000000
        while len(numbers) < 21:
            candidate += 1
            if luhn_valid(str(candidate)):
                numbers.append(str(candidate))
        for number in numbers:
            await sandbox.open(number, 100_000)
        for number in numbers[:19]:
            assert (await register_card(client, minjun, number)).status_code == 201
        # Two cards race for the last place: one wins, the other is refused.
        raced = await asyncio.gather(*(register_card(client, minjun, n) for n in numbers[19:]))
        assert sorted(r.status_code for r in raced) == [201, 409]
        loser = next(n for n, r in zip(numbers[19:], raced, strict=True) if r.status_code == 409)
        refused = await register_card(client, minjun, loser)
        assert refused.status_code == 409
        assert refused.json()["error"] == "TooManyCards"
        assert await card_rows(database) == 20

    async def test_guessing_the_password_digits_is_stopped(
        self, client: httpx.AsyncClient, database: Database, fake_clock: FakeClock
    ) -> None:
        minjun = await person(client, database, link=False)
        other = await person(client, database, link=False)
        for guess in ("00", "01", "02", "03", "04"):
            response = await register_card(client, minjun, password_two_digits=guess)
            assert response.status_code == 403
        # Even the right digits are not tried now, and malformed input counts for nothing.
        stopped = await register_card(client, minjun)
        assert stopped.status_code == 429
        assert (await register_card(client, minjun, expiry="1331")).status_code == 422
        # Only this user is stopped.
        assert (await register_card(client, other, CHECK)).status_code == 201
        fake_clock.advance(minutes=10)
        assert (await register_card(client, minjun)).status_code == 201
        assert await card_rows(database) == 2

    async def test_issuer_refusals_that_are_not_guesses_are_not_counted(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        for _ in range(6):
            response = await register_card(client, minjun, LOST)
            assert response.status_code == 403
        assert (await register_card(client, minjun)).status_code == 201

    async def test_signed_out_and_keyless_calls_are_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        signed_out = await client.post("/api/v1/cards", json=card_body())
        assert signed_out.status_code == 401
        keyless = await client.post("/api/v1/cards", json=card_body(), headers=minjun.headers)
        assert keyless.status_code == 400
        assert keyless.json()["error"] == "IdempotencyKeyMissing"
        assert (await client.get("/api/v1/cards")).status_code == 401
        assert await card_rows(database) == 0


class TestRemoveCard:
    async def test_a_removed_card_leaves_the_list_and_can_come_back(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        card = (await register_card(client, minjun)).json()
        removed = await client.delete(f"/api/v1/cards/{card['id']}", headers=minjun.headers)
        assert removed.status_code == 204
        assert await cards_of(client, minjun) == []
        gone = await client.get(f"/api/v1/cards/{card['id']}", headers=minjun.headers)
        assert gone.status_code == 404
        twice = await client.delete(f"/api/v1/cards/{card['id']}", headers=minjun.headers)
        assert twice.status_code == 404
        back = await register_card(client, minjun)
        assert back.status_code == 201
        assert back.json()["id"] == card["id"]
        assert await card_rows(database) == 1

    async def test_another_users_card_is_not_found(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        other = await person(client, database, link=False)
        card = (await register_card(client, minjun)).json()
        for call in (client.get, client.delete):
            response = await call(f"/api/v1/cards/{card['id']}", headers=other.headers)
            assert response.status_code == 404
            assert response.json()["error"] == "CardNotFound"
        assert [c["id"] for c in await cards_of(client, minjun)] == [card["id"]]
        assert await cards_of(client, other) == []

    async def test_a_removed_card_in_another_wallet_still_cannot_be_taken(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        minjun = await person(client, database, link=False)
        other = await person(client, database, link=False)
        card = (await register_card(client, minjun)).json()
        await client.delete(f"/api/v1/cards/{card['id']}", headers=minjun.headers)
        response = await register_card(client, other)
        assert response.status_code == 409
        assert response.json()["error"] == "CardRegisteredElsewhere"

    @pytest.mark.parametrize("card_id", ["0", "-1", "abc", str(2**63)])
    async def test_malformed_ids_are_422(
        self, client: httpx.AsyncClient, database: Database, card_id: str
    ) -> None:
        minjun = await person(client, database, link=False)
        response = await client.delete(f"/api/v1/cards/{card_id}", headers=minjun.headers)
        assert response.status_code == 422


class TestOpenApi:
    async def test_the_cards_api_declares_its_errors(self, client: httpx.AsyncClient) -> None:
        schema = (await client.get("/openapi.json")).json()
        register = schema["paths"]["/api/v1/cards"]["post"]
        assert {"201", "400", "401", "402", "403", "409", "422", "503"} <= set(
            register["responses"]
        )
        remove = schema["paths"]["/api/v1/cards/{card_id}"]["delete"]
        assert {"204", "401", "404"} <= set(remove["responses"])
