"""Builders for payment tests: merchants with keys, the four wire forms, a buyer's authorisation,
and checks of the KakaoPay envelopes."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from easypay.config import Settings
from easypay.db import Database
from easypay.merchant import service as merchant_service
from easypay.models import User
from easypay.payment import service
from tests.money import builders as money
from tests.money.builders import Person
from tests.transfer import builders as transfer

CID = "TC0ONETIME"
LOCAL_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
READY_KEYS = {
    "tid",
    "next_redirect_app_url",
    "next_redirect_mobile_url",
    "next_redirect_pc_url",
    "android_app_scheme",
    "ios_app_scheme",
    "created_at",
}
AMOUNT_KEYS = {"total", "tax_free", "vat", "point", "discount", "green_deposit"}

# How the parameters travel: the query string of an empty POST, a form body, JSON with numbers
# as strings, JSON with numbers.
Form = Literal["query", "form", "json-strings", "json"]
FORMS: tuple[Form, ...] = ("query", "form", "json-strings", "json")
_orders = itertools.count(1)


@dataclass
class Shop:
    merchant_id: int
    cid: str
    admin_key: str
    secret_key: str

    @property
    def legacy(self) -> dict[str, str]:
        return {"Authorization": f"KakaoAK {self.admin_key}"}

    @property
    def current(self) -> dict[str, str]:
        return {"Authorization": f"SECRET_KEY {self.secret_key}"}


async def shop(database: Database, cid: str = CID, name: str = "초코상점") -> Shop:
    async with database.transaction() as session:
        created = await merchant_service.create(session, name, [cid], 250)
    return Shop(created.merchant.id, cid, created.admin_key, created.secret_key)


async def buyer(client: httpx.AsyncClient, database: Database, funds: int = 100_000) -> Person:
    return await transfer.funded(client, await money.person(client, database), funds)


async def available(client: httpx.AsyncClient, someone: Person) -> int:
    return await transfer.available(client, someone)


def _encoded(params: dict[str, Any], form: Form) -> dict[str, Any]:
    if form == "json":
        return params
    return {name: value if isinstance(value, str) else str(value) for name, value in params.items()}


async def call(
    client: httpx.AsyncClient,
    shop: Shop,
    action: str,
    params: dict[str, Any],
    form: Form = "query",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST one action; query/form go to the legacy path, JSON to the current one."""
    values = _encoded(params, form)
    if form == "query":
        return await client.post(
            f"/v1/payment/{action}",
            params=values,
            headers={
                "Content-Type": "application/x-www-form-urlencoded;charset=utf-8",
                **(shop.legacy if headers is None else headers),
            },
        )
    if form == "form":
        return await client.post(
            f"/v1/payment/{action}",
            data=values,
            headers=shop.legacy if headers is None else headers,
        )
    return await client.post(
        f"/online/v1/payment/{action}",
        json=values,
        headers=shop.current if headers is None else headers,
    )


def ready_params(shop: Shop, **overrides: Any) -> dict[str, Any]:
    number = next(_orders)
    params: dict[str, Any] = {
        "cid": shop.cid,
        "partner_order_id": f"order-{number}",
        "partner_user_id": f"user-{number}",
        "item_name": "초코파이",
        "quantity": 1,
        "total_amount": 2200,
        "tax_free_amount": 0,
        "approval_url": "http://shop.test/ok",
        "cancel_url": "http://shop.test/cancel",
        "fail_url": "http://shop.test/fail",
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


@dataclass
class Started:
    """A payment after `ready`: what the merchant keeps to approve it later."""

    tid: str
    partner_order_id: str
    partner_user_id: str
    total: int

    def approve_params(self, shop: Shop, token: str, **overrides: Any) -> dict[str, Any]:
        params: dict[str, Any] = {
            "cid": shop.cid,
            "tid": self.tid,
            "partner_order_id": self.partner_order_id,
            "partner_user_id": self.partner_user_id,
            "pg_token": token,
        }
        params.update(overrides)
        return {name: value for name, value in params.items() if value is not None}


async def ready(
    client: httpx.AsyncClient, shop: Shop, form: Form = "query", **overrides: Any
) -> Started:
    params = ready_params(shop, **overrides)
    response = await call(client, shop, "ready", params, form)
    assert response.status_code == 200, response.text
    return Started(
        response.json()["tid"],
        str(params["partner_order_id"]),
        str(params["partner_user_id"]),
        int(params["total_amount"]),
    )


async def authorise(database: Database, settings: Settings, someone: Person, tid: str) -> str:
    """What the hosted checkout does after the buyer's PIN: hold the money; the pg_token."""
    async with database.transaction() as session:
        user = await session.get(User, someone.user_id)
        assert user is not None
        await service.select_method(session, user, tid, "MONEY")
        _, token = await service.authorize(session, settings, user, tid)
    return token


async def approve(
    client: httpx.AsyncClient,
    shop: Shop,
    started: Started,
    token: str,
    form: Form = "query",
    **overrides: Any,
) -> httpx.Response:
    return await call(
        client, shop, "approve", started.approve_params(shop, token, **overrides), form
    )


async def paid(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    shop: Shop,
    someone: Person,
    **overrides: Any,
) -> Started:
    """A payment made and approved (Pay Money)."""
    started = await ready(client, shop, **overrides)
    token = await authorise(database, settings, someone, started.tid)
    response = await approve(client, shop, started, token)
    assert response.status_code == 200, response.text
    return started


async def cancel(
    client: httpx.AsyncClient,
    shop: Shop,
    tid: str,
    amount: int,
    tax_free: int = 0,
    form: Form = "query",
    **extra: Any,
) -> httpx.Response:
    params = {
        "cid": shop.cid,
        "tid": tid,
        "cancel_amount": amount,
        "cancel_tax_free_amount": tax_free,
        **extra,
    }
    return await call(client, shop, "cancel", params, form)


async def order(
    client: httpx.AsyncClient, shop: Shop, tid: str, form: Form = "query"
) -> dict[str, Any]:
    response = await call(client, shop, "order", {"cid": shop.cid, "tid": tid}, form)
    assert response.status_code == 200, response.text
    return dict(response.json())


def kakao_error(response: httpx.Response, legacy: bool) -> int:
    """The KakaoPay error code of a refusal, after checking the envelope of its generation."""
    body = response.json()
    if legacy:
        assert set(body) == {"code", "msg", "extras"}, body
        code, message = body["code"], body["msg"]
    else:
        assert set(body) == {"error_code", "error_message", "extras"}, body
        code, message = body["error_code"], body["error_message"]
    assert isinstance(message, str)
    assert message
    assert isinstance(body["extras"], dict)
    assert isinstance(code, int)
    return code


def error_of(response: httpx.Response) -> int:
    """The code of a refusal on either path (the envelope follows the path)."""
    return kakao_error(response, legacy=response.request.url.path.startswith("/v1/"))


def assert_no_nulls(value: Any, where: str = "body") -> None:
    """Absent optional values are missing, never null."""
    assert value is not None, f"{where} is null"
    if isinstance(value, dict):
        for name, inner in value.items():
            assert_no_nulls(inner, f"{where}.{name}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            assert_no_nulls(inner, f"{where}[{index}]")


def assert_amount(value: Any) -> None:
    assert isinstance(value, dict), value
    assert set(value) == AMOUNT_KEYS, value
    assert all(type(number) is int for number in value.values()), value


async def money_balance(client: httpx.AsyncClient, someone: Person) -> int:
    """The posted Pay Money balance (holds not subtracted)."""
    return int((await money.balance(client, someone))["balance"])
