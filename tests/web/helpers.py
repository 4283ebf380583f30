"""Small builders for web tests: read a form's CSRF token, sign up through the pages, open a
funded account at the sandbox bank."""

from __future__ import annotations

import re
from typing import Any

import httpx

from easypay.config import Settings

PHONE = "010-1234-5678"
E164 = "+821012345678"
NAME = "김민준"
BIRTH = "1990-05-17"
PASSWORD = "correct-horse-42"
PIN = "739164"
BANK = "088"
ACCOUNT = "110123456789"
FRIEND_PHONE = "010-2345-6789"
FRIEND_NAME = "이서연"
STRANGER_PHONE = "010-3456-7890"
STRANGER_NAME = "박지훈"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def nonce_of(html: str) -> str:
    found = _NONCE.search(html)
    assert found, "no nonce field on the page"
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, Any]
) -> httpx.Response:
    """Open `page`, then send its form to `action` with the page's CSRF token."""
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text
    return await client.post(action, data={**data, "csrf_token": csrf_of(shown.text)})


async def sign_up(
    client: httpx.AsyncClient,
    phone: str = PHONE,
    name: str = NAME,
    password: str = PASSWORD,
    birth_date: str = BIRTH,
) -> httpx.Response:
    response = await post_form(
        client,
        "/signup",
        "/signup",
        {
            "phone": phone,
            "name": name,
            "birth_date": birth_date,
            "password": password,
            "password_confirm": password,
        },
    )
    assert response.status_code == 303, response.text
    return response


async def sign_up_with_pin(client: httpx.AsyncClient, **kwargs: str) -> None:
    await sign_up(client, **kwargs)
    response = await post_form(client, "/pin/set", "/pin/set", {"pin": PIN, "pin_confirm": PIN})
    assert response.status_code == 303, response.text


def sandbox_account_body(
    holder: str = NAME,
    number: str = ACCOUNT,
    balance: int = 1_000_000,
    customer: str = E164,
    bank_code: str = BANK,
) -> dict[str, Any]:
    return {
        "bank_code": bank_code,
        "account_number": number,
        "holder_name": holder,
        "customer_id": customer,
        "balance": balance,
    }


def bank_headers(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.bank_api_token}"}


async def open_sandbox_account(
    client: httpx.AsyncClient, settings: Settings, **kwargs: Any
) -> None:
    response = await client.post(
        "/sandbox/bank/_sandbox/accounts",
        json=sandbox_account_body(**kwargs),
        headers=bank_headers(settings),
    )
    assert response.status_code == 201, response.text


async def link_account(client: httpx.AsyncClient, number: str = ACCOUNT) -> httpx.Response:
    return await post_form(
        client,
        "/accounts/link",
        "/accounts/link",
        {"bank_code": BANK, "account_number": number, "consent": "yes"},
    )


async def first_link_id(client: httpx.AsyncClient) -> str:
    page = await client.get("/charge")
    found = re.search(r'name="link_id" value="(\d+)"', page.text)
    assert found, page.text
    return found.group(1)


async def move(client: httpx.AsyncClient, kind: str, amount: str, pin: str = PIN) -> httpx.Response:
    page = await client.get(f"/{kind}")
    link = re.search(r'name="link_id" value="(\d+)"', page.text)
    assert link, page.text
    return await client.post(
        f"/{kind}",
        data={
            "csrf_token": csrf_of(page.text),
            "nonce": nonce_of(page.text),
            "link_id": link.group(1),
            "amount": amount,
            "pin": pin,
        },
    )


async def balance_of(client: httpx.AsyncClient) -> str:
    """The balance on the home page."""
    found = re.search(r'data-testid="balance">([^<]+)<', (await client.get("/")).text)
    assert found
    return found.group(1)
