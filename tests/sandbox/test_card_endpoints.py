"""The sandbox card issuer's HTTP surface: authentication, malformed requests, the admin API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from easypay.config import Settings
from tests.card.builders import BASE, BIRTH, EXPIRY, GOOD, PASSWORD_TWO, auth, request_id
from tests.conftest import LiveServer


@pytest.fixture
async def http(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{live_server.url}{BASE}", timeout=10) as client:
        yield client


def register_body(**overrides: str) -> dict[str, str]:
    body = {
        "card_number": GOOD,
        "expiry": EXPIRY,
        "birth_date": BIRTH,
        "password_two_digits": PASSWORD_TWO,
    }
    return {**body, **overrides}


class TestAuthentication:
    @pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic sandbox-card-token", ""])
    async def test_every_route_needs_the_token(
        self, http: httpx.AsyncClient, header: str | None
    ) -> None:
        headers = {"Authorization": header} if header is not None else {}
        for method, path in [
            ("POST", "/v1/cards/register"),
            ("POST", "/v1/authorizations"),
            ("POST", "/v1/authorizations/inquiry"),
            ("GET", f"/_sandbox/cards/{GOOD}"),
            ("GET", "/_sandbox/faults"),
        ]:
            response = await http.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "Unauthorized"


class TestMalformedRequests:
    @pytest.mark.parametrize(
        "overrides",
        [
            {"card_number": "9490-1200-0000-0012"},
            {"card_number": "123"},
            {"expiry": "1331"},
            {"expiry": "12/31"},
            {"birth_date": "90051"},
            {"password_two_digits": "1"},
        ],
    )
    async def test_register_refuses_malformed_fields(
        self, http: httpx.AsyncClient, settings: Settings, overrides: dict[str, str]
    ) -> None:
        response = await http.post(
            "/v1/cards/register", json=register_body(**overrides), headers=auth(settings)
        )
        assert response.status_code == 400
        assert response.json()["error"] == "BadRequest"

    @pytest.mark.parametrize(
        "body",
        [
            {"request_id": "a b", "token": "t", "amount": 1},
            {"request_id": "x" * 65, "token": "t", "amount": 1},
            {"request_id": "ok", "token": "t", "amount": "1000"},
            {"request_id": "ok", "token": "t", "amount": 1.5},
            {"request_id": "ok", "token": "", "amount": 1},
            {"request_id": "ok", "token": "t", "amount": 1, "install_month": -1},
        ],
    )
    async def test_authorize_refuses_malformed_fields(
        self, http: httpx.AsyncClient, settings: Settings, body: dict[str, object]
    ) -> None:
        response = await http.post("/v1/authorizations", json=body, headers=auth(settings))
        assert response.status_code == 400

    async def test_inquiry_about_an_unknown_id_is_404(
        self, http: httpx.AsyncClient, settings: Settings
    ) -> None:
        response = await http.post(
            "/v1/authorizations/inquiry", json={"request_id": request_id()}, headers=auth(settings)
        )
        assert response.status_code == 404
        assert response.json()["error"] == "AuthorizationNotFound"


class TestAdministration:
    async def test_published_cards_exist_on_first_use(
        self, http: httpx.AsyncClient, settings: Settings
    ) -> None:
        response = await http.get(f"/_sandbox/cards/{GOOD}", headers=auth(settings))
        assert response.status_code == 200
        assert (response.json()["credit_limit"], response.json()["used"]) == (5_000_000, 0)

    async def test_unknown_card_is_404(self, http: httpx.AsyncClient, settings: Settings) -> None:
        response = await http.get("/_sandbox/cards/9490129999999993", headers=auth(settings))
        assert response.status_code == 404

    async def test_issue_a_card_then_register_it(
        self, http: httpx.AsyncClient, settings: Settings
    ) -> None:
        body = {
            "number": "9490129999999993",
            "expiry": EXPIRY,
            "holder_name": "테스트",
            "credit_limit": 50_000,
        }
        created = await http.post("/_sandbox/cards", json=body, headers=auth(settings))
        assert created.status_code == 201, created.text
        twice = await http.post("/_sandbox/cards", json=body, headers=auth(settings))
        assert twice.status_code == 409
        registered = await http.post(
            "/v1/cards/register",
            json=register_body(card_number="9490129999999993"),
            headers=auth(settings),
        )
        assert registered.json()["result_code"] == "00"

    @pytest.mark.parametrize(
        "body",
        [
            {"number": "9490129999999994", "expiry": EXPIRY, "holder_name": "x", "credit_limit": 1},
            {
                "number": "9490129999999993",
                "expiry": EXPIRY,
                "holder_name": "x",
                "credit_limit": -1,
            },
        ],
    )
    async def test_bad_cards_are_refused(
        self, http: httpx.AsyncClient, settings: Settings, body: dict[str, object]
    ) -> None:
        response = await http.post("/_sandbox/cards", json=body, headers=auth(settings))
        assert response.status_code == 400

    async def test_limit_cannot_go_below_what_is_used(
        self, http: httpx.AsyncClient, settings: Settings
    ) -> None:
        registered = await http.post(
            "/v1/cards/register", json=register_body(), headers=auth(settings)
        )
        token = registered.json()["token"]
        body = {"request_id": request_id(), "token": token, "amount": 10_000}
        approved = await http.post("/v1/authorizations", json=body, headers=auth(settings))
        assert approved.json()["result_code"] == "00"
        response = await http.patch(
            f"/_sandbox/cards/{GOOD}", json={"credit_limit": 9_999}, headers=auth(settings)
        )
        assert response.status_code == 400
        card = await http.get(f"/_sandbox/cards/{GOOD}", headers=auth(settings))
        assert (card.json()["credit_limit"], card.json()["used"]) == (5_000_000, 10_000)

    async def test_faults_are_listed_and_cleared(
        self, http: httpx.AsyncClient, settings: Settings
    ) -> None:
        for body in (
            {"operation": "authorize", "mode": "decline", "decline_code": "51"},
            {"operation": "any", "mode": "timeout", "delay_seconds": 1, "count": 2},
        ):
            response = await http.post("/_sandbox/faults", json=body, headers=auth(settings))
            assert response.status_code == 201
        listed = await http.get("/_sandbox/faults", headers=auth(settings))
        assert [f["remaining"] for f in listed.json()] == [1, 2]
        cleared = await http.delete("/_sandbox/faults", headers=auth(settings))
        assert cleared.json() == {"deleted": 2}

    @pytest.mark.parametrize(
        "body",
        [
            {"operation": "refund", "mode": "decline"},
            {"operation": "authorize", "mode": "explode"},
            {"operation": "authorize", "mode": "decline", "decline_code": "00"},
            {"operation": "authorize", "mode": "timeout", "delay_seconds": -1},
            {"operation": "authorize", "mode": "decline", "count": 0},
        ],
    )
    async def test_bad_faults_are_refused(
        self, http: httpx.AsyncClient, settings: Settings, body: dict[str, object]
    ) -> None:
        response = await http.post("/_sandbox/faults", json=body, headers=auth(settings))
        assert response.status_code == 400
        listed = await http.get("/_sandbox/faults", headers=auth(settings))
        assert listed.json() == []
