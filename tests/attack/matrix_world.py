"""The resources of the authorization matrix, each owned by one party (Alice, the first merchant,
the first institution), and the sessions of everyone who asks for them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from easypay.certificate import institutions
from easypay.db import Database
from easypay.kit.clock import FakeClock
from easypay.models import CertificateEvent, WebhookEvent
from tests.attack.world import funded
from tests.card.builders import register_card
from tests.certificate.lifecycle_support import issue
from tests.identity.builders import signed_in, signed_up_operator
from tests.merchant import builders as merchants
from tests.money import builders as money
from tests.money.builders import PASSWORD, PIN, Person
from tests.payment import builders as payment
from tests.payment import pos_builders as pos
from tests.payment.builders import Shop
from tests.settlement import builders as settle
from tests.transfer import builders as transfer
from tests.web.helpers import csrf_of
from tests.webhook.builders import event, set_url

_TOKEN = re.compile(r'(name="csrf_token" value=|nonce=|nonce-|"csrf_token":\s*)"?[^"\s>]+"?')


def normalised(text: str) -> str:
    """A page without its per-response tokens (CSRF, CSP nonce), to compare two answers."""
    return _TOKEN.sub("<token>", text)


@dataclass
class Web:
    client: httpx.AsyncClient
    csrf: str = ""

    async def refresh(self, anonymous: bool = False) -> None:
        page = await self.client.get("/signin" if anonymous else "/settings")
        assert page.status_code == 200, page.text[:300]
        self.csrf = csrf_of(page.text)


@dataclass
class Matrix:
    alice: Person
    bob: Person
    carol: Person
    operator: dict[str, str]
    shop: Shop
    shop_owner: Person
    other_shop: Shop
    other_owner: Person
    institution_key: str
    other_institution_key: str
    ids: dict[str, Any] = field(default_factory=dict)
    web: dict[str, Web] = field(default_factory=dict)


async def web_session(app: FastAPI, phone: str) -> Web:
    transport = httpx.ASGITransport(app=app, client=("10.1.2.4", 51001))
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    page = await client.get("/signin")
    response = await client.post(
        "/signin",
        data={"phone": phone, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 303, response.text[:500]
    web = Web(client)
    await web.refresh()
    return web


async def build(
    app: FastAPI, client: httpx.AsyncClient, database: Database, clock: FakeClock
) -> Matrix:
    settings = app.state.settings
    alice = await funded(app, client, database, "김민준", 300_000)
    bob = await funded(app, client, database, "이서연", 300_000)
    carol = await funded(app, client, database, "박지훈", 300_000)
    operator = await signed_up_operator(client, database)
    shop_owner, shop = await merchants.approved_shop(
        client, database, app.state.bank, "초코상점", "최민서"
    )
    other_owner, other_shop = await merchants.approved_shop(
        client, database, app.state.bank, "바닐라상점", "정하윤"
    )
    async with database.transaction() as session:
        first = await institutions.create(session, "국민은행")
        second = await institutions.create(session, "신한은행")
    world = Matrix(
        alice,
        bob,
        carol,
        operator.headers,
        shop,
        shop_owner,
        other_shop,
        other_owner,
        first.api_key,
        second.api_key,
    )
    ids = world.ids
    ids["user"] = bob.user_id
    ids["merchant"] = shop.merchant_id
    ids["institution"] = first.institution.id
    # Alice's: a second session, a friend, a charge, transfers both ways, a bank transfer,
    # a money request, a card, a certificate (and its event), a signature request.
    ids["session"] = (await signed_in(client, alice.phone, PASSWORD)).session_id
    await transfer.befriend(client, alice, carol)
    ids["friend"] = carol.user_id
    ids["link"] = alice.link_id
    charged = await money.charge(client, alice, 10_000)
    assert charged.status_code == 201, charged.text
    ids["operation"] = charged.json()["id"]
    ids["transfer_in"] = await transfer.sent(client, carol, 1_000, alice)
    ids["transfer_out"] = await transfer.sent(client, alice, 1_000, carol)
    body = {
        "bank_code": carol.bank_code,
        "account_number": carol.account_number,
        "amount": 1_000,
        "message": "월세",
        "pin": PIN,
    }
    sent = await client.post("/api/v1/bank-transfers", json=body, headers=alice.with_key())
    assert sent.status_code == 201, sent.text
    ids["bank_transfer"] = sent.json()["id"]
    asked = await transfer.ask(client, alice, [transfer.share(carol, 2_000)])
    assert asked.status_code == 201, asked.text
    ids["request"] = asked.json()["id"]
    inbox = await transfer.inbox(client, alice)
    ids["notification"] = inbox[0]["id"]
    card = await register_card(client, alice)
    assert card.status_code == 201, card.text
    ids["card"] = card.json()["id"]
    certificate = await issue(client, alice)
    ids["certificate"] = certificate["id"]
    async with database.transaction() as session:
        ids["certificate_event"] = (
            (
                await session.execute(
                    select(CertificateEvent.id).where(CertificateEvent.user_id == alice.user_id)
                )
            )
            .scalars()
            .first()
        )
    asked = await client.post(
        "/api/v1/institution/sign-requests",
        json={
            "phone": alice.phone,
            "name": alice.name,
            "birth_date": "1990-05-17",
            "title": "대출 약정서",
            "text": "I agree.",
            "expires_in": 600,
        },
        headers={"Authorization": f"Bearer {first.api_key}"},
    )
    assert asked.status_code == 201, asked.text
    ids["receipt"] = asked.json()["receipt_id"]
    # The first merchant's: an online payment (paid by Alice), a POS payment, a settlement
    # statement, a webhook event.
    started = await payment.paid(client, database, settings, shop, alice)
    ids["tid"] = started.tid
    pos_id = pos.request_id()
    charged = await pos.charge(client, shop, await pos.code_for(database, alice), 4_500, pos_id)
    assert charged.status_code == 201, charged.text
    ids["pos"] = pos_id
    started_at = clock.now()
    day = started_at.astimezone(settle.KST).date() - timedelta(days=1)  # yesterday, in Korea
    clock.set(settle.at_kst(day, 10))
    seller = settle.Seller(shop, shop_owner.bank_code, shop_owner.account_number)
    await settle.payment(client, database, app, seller, alice, 3_000)
    settle.next_morning(clock, day)
    await settle.run(app, day)
    clock.set(started_at + timedelta(minutes=1))  # back to now: certificates need a sane clock
    statements = await settle.statements(database, seller)
    assert statements, "no settlement statement"
    ids["settlement"] = statements[0].id
    async with database.transaction() as session:
        ids["webhook_event"] = (
            (
                await session.execute(
                    select(WebhookEvent.msg_id).where(WebhookEvent.merchant_id == shop.merchant_id)
                )
            )
            .scalars()
            .first()
        )
    for each in (shop, other_shop):  # webhooks on for both: the check is about the event
        hooked = await set_url(client, each, f"{settings.base_url}/matrix-hook")
        assert hooked.status_code == 200, hooked.text
    if ids["webhook_event"] is None:
        made = await event(database, shop.merchant_id)
        assert made is not None
        ids["webhook_event"] = made.msg_id
    transport = httpx.ASGITransport(app=app, client=("10.1.2.5", 51002))
    visitor = Web(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
    await visitor.refresh(anonymous=True)
    world.web = {
        "anonymous": visitor,
        "alice": await web_session(app, alice.phone),
        "bob": await web_session(app, bob.phone),
        "carol": await web_session(app, carol.phone),
        "shop_owner": await web_session(app, shop_owner.phone),
        "other_owner": await web_session(app, other_owner.phone),
        "operator": await web_session(app, operator.phone),
    }
    return world
