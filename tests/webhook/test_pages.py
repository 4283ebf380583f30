"""The dashboard's webhooks tab: set the URL, the secret shown once, rotation, turning off, the
event log with each attempt, resend; only the merchant's owner, with a CSRF token."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from easypay.config import Settings
from easypay.db import Database
from easypay.models import Merchant, User
from easypay.webhook import signing
from tests.payment import builders as payment
from tests.payment.builders import Shop
from tests.web.helpers import E164, csrf_of, sign_up
from tests.webhook import builders
from tests.webhook.builders import run_worker, stored
from tests.webhook.receiver import Receiver

PAGE = "/merchant/webhooks"
SECRET = re.compile(r'data-testid="webhook-secret">(whsec_[A-Za-z0-9+/=]+)<')


async def owner_of_a_shop(
    client: httpx.AsyncClient, database: Database, cid: str = "TC0ONETIME", phone: str | None = None
) -> Shop:
    """Sign up through the pages and make the new user run a merchant."""
    if phone is None:
        await sign_up(client)
        e164 = E164
    else:
        await sign_up(client, phone=phone)
        e164 = "+82" + phone.replace("-", "")[1:]
    shop = await payment.shop(database, cid)
    async with database.transaction() as session:
        user = (await session.execute(select(User).where(User.phone == e164))).scalar_one()
        merchant = await session.get(Merchant, shop.merchant_id)
        assert merchant is not None
        merchant.owner_id = user.id
    return shop


async def post(client: httpx.AsyncClient, action: str, data: dict[str, str]) -> httpx.Response:
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    return await client.post(action, data={**data, "csrf_token": csrf_of(page.text)})


async def merchant_row(database: Database, merchant_id: int) -> Merchant:
    async with database.transaction() as session:
        found = await session.get(Merchant, merchant_id)
    assert found is not None
    return found


class TestAccess:
    async def test_signed_out_visitors_sign_in_first(self, client: httpx.AsyncClient) -> None:
        response = await client.get(PAGE)
        assert response.status_code == 303
        assert response.headers["location"] == "/signin?next=/merchant/webhooks"

    async def test_a_user_without_a_merchant_gets_403(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await sign_up(client)
        await payment.shop(database)  # someone else's
        assert (await client.get(PAGE)).status_code == 403
        page = await client.get("/")
        for action in (PAGE + "/url", PAGE + "/secret", PAGE + "/off"):
            response = await client.post(
                action, data={"url": "https://a.example/h", "csrf_token": csrf_of(page.text)}
            )
            assert response.status_code == 403

    async def test_posts_without_the_csrf_token_are_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        shop = await owner_of_a_shop(client, database)
        response = await client.post(PAGE + "/url", data={"url": "https://a.example/h"})
        assert response.status_code == 403
        assert (await merchant_row(database, shop.merchant_id)).webhook_url == ""


class TestEndpoint:
    async def test_set_url_shows_the_secret_once(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        shop = await owner_of_a_shop(client, database)
        page = await client.get(PAGE)
        assert page.status_code == 200
        assert 'aria-current="page"' in page.text
        assert "/merchant/webhooks" in page.text
        assert "초코상점" in page.text
        assert "웹훅이 꺼져 있어요" in page.text

        response = await post(client, PAGE + "/url", {"url": " https://shop.example.com/hooks "})
        assert response.status_code == 200, response.text
        found = SECRET.search(response.text)
        assert found, "the new secret is on the page"
        secret = found.group(1)
        row = await merchant_row(database, shop.merchant_id)
        assert row.webhook_url == "https://shop.example.com/hooks"
        assert (
            signing.open_secret(
                settings.server_secret, shop.merchant_id, row.webhook_secret_encrypted
            )
            == secret
        )

        again = await client.get(PAGE)
        assert secret not in again.text
        assert 'data-testid="webhook-secret"' not in again.text
        assert 'value="https://shop.example.com/hooks"' in again.text

        changed = await post(client, PAGE + "/url", {"url": "https://shop.example.com/new"})
        assert changed.status_code == 303
        assert changed.headers["location"] == PAGE + "?notice=webhooks_saved"
        shown = await client.get(changed.headers["location"])
        assert "웹훅 주소를 저장했어요" in shown.text
        assert 'data-testid="webhook-secret"' not in shown.text

    async def test_a_bad_url_is_explained_and_changes_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        shop = await owner_of_a_shop(client, database)
        for url in ("http://shop.example.com/h", "", "ftp://x", "https://" + "a" * 300):
            response = await post(client, PAGE + "/url", {"url": url})
            assert response.status_code == 422, url
            assert "https:// 로 시작하는 255자 이내의 주소" in response.text
        row = await merchant_row(database, shop.merchant_id)
        assert (row.webhook_url, row.webhook_secret_encrypted) == ("", "")

    async def test_rotate_shows_a_new_secret(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        shop = await owner_of_a_shop(client, database)
        first = await post(client, PAGE + "/url", {"url": "https://shop.example.com/hooks"})
        old = SECRET.search(first.text)
        assert old
        rotated = await post(client, PAGE + "/secret", {})
        assert rotated.status_code == 200
        new = SECRET.search(rotated.text)
        assert new
        assert new.group(1) != old.group(1)
        row = await merchant_row(database, shop.merchant_id)
        assert signing.open_secret(
            settings.server_secret, shop.merchant_id, row.webhook_secret_encrypted
        ) == new.group(1)

    async def test_rotate_while_off_is_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        shop = await owner_of_a_shop(client, database)
        response = await post(client, PAGE + "/secret", {})
        assert response.status_code == 409
        assert "먼저 URL을 저장해 주세요" in response.text
        assert (await merchant_row(database, shop.merchant_id)).webhook_secret_encrypted == ""

    async def test_turn_off(self, client: httpx.AsyncClient, database: Database) -> None:
        shop = await owner_of_a_shop(client, database)
        await post(client, PAGE + "/url", {"url": "https://shop.example.com/hooks"})
        response = await post(client, PAGE + "/off", {})
        assert response.status_code == 303
        page = await client.get(response.headers["location"])
        assert "웹훅을 껐어요" in page.text
        row = await merchant_row(database, shop.merchant_id)
        assert (row.webhook_url, row.webhook_secret_encrypted) == ("", "")

    async def test_english(self, client: httpx.AsyncClient, database: Database) -> None:
        await owner_of_a_shop(client, database)
        client.cookies.set("lang", "en")
        page = await client.get(PAGE)
        assert "Webhooks are off" in page.text


class TestEventLog:
    async def test_events_with_state_attempts_and_resend(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop = await owner_of_a_shop(client, database)
        set_page = await post(client, PAGE + "/url", {"url": receiver.url})
        found = SECRET.search(set_page.text)
        assert found
        secret = found.group(1)
        receiver.fail_next(1, status=500)
        failing = await builders.event(database, shop.merchant_id, "payment.canceled")
        assert failing is not None
        await run_worker(database, settings)
        delivered = await builders.event(database, shop.merchant_id, "settlement.paid")
        assert delivered is not None
        await run_worker(database, settings)

        page = await client.get(PAGE)
        rows = page.text.split('data-testid="webhook-event"')[1:]
        assert len(rows) == 2
        newest, oldest = rows
        assert delivered.msg_id in newest
        assert "settlement.paid" in newest
        assert "전달됨" in newest
        assert failing.msg_id in oldest
        assert "payment.canceled" in oldest
        assert "보내는 중" in oldest
        assert "다음 시도" in oldest
        assert 'data-testid="webhook-attempt-count">1회<' in oldest
        attempt = oldest.split('data-testid="webhook-attempt"')[1]
        assert "<td>500</td>" in attempt
        assert "HTTP 500: answer 500" in attempt
        assert "ms</td>" in attempt

        resend = await client.post(
            PAGE + f"/events/{delivered.msg_id}/resend", data={"csrf_token": csrf_of(page.text)}
        )
        assert resend.status_code == 303
        assert resend.headers["location"] == PAGE + "?notice=webhooks_resent"
        await run_worker(database, settings)
        event, attempts = await stored(database, delivered.msg_id)
        assert event.state == "delivered"
        assert [a.status_code for a in attempts] == [200, 200]
        for request in receiver.requests:
            if request.headers["webhook-id"] == delivered.msg_id:
                Webhook(secret).verify(request.body, request.headers)

    async def test_another_merchants_event_cannot_be_resent(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        other, _ = await builders.shop_with_webhook(
            client, database, receiver.url, cid="TC0SECONDS"
        )
        theirs = await builders.event(database, other.merchant_id)
        assert theirs is not None
        await run_worker(database, settings)
        await owner_of_a_shop(client, database)
        await post(client, PAGE + "/url", {"url": receiver.url})

        page = await client.get(PAGE)
        assert theirs.msg_id not in page.text
        for msg_id in (theirs.msg_id, "msg_nope", "x" * 300):
            response = await client.post(
                PAGE + f"/events/{msg_id}/resend", data={"csrf_token": csrf_of(page.text)}
            )
            assert response.status_code == 404
            assert "그런 알림이 없어요" in response.text
        await run_worker(database, settings)
        assert len(receiver.requests) == 1
        event, _ = await stored(database, theirs.msg_id)
        assert event.attempts == 1

    async def test_pages_of_events(
        self, client: httpx.AsyncClient, database: Database, receiver: Receiver
    ) -> None:
        shop = await owner_of_a_shop(client, database)
        await post(client, PAGE + "/url", {"url": receiver.url})
        msg_ids = []
        for number in range(23):
            published = await builders.event(database, shop.merchant_id, data={"n": number})
            assert published is not None
            msg_ids.append(published.msg_id)
        first = await client.get(PAGE)
        assert first.text.count('data-testid="webhook-event"') == 20
        assert msg_ids[-1] in first.text
        assert msg_ids[2] not in first.text
        older = re.search(
            r'href="(/merchant/webhooks\?before=\d+)" data-testid="older"', first.text
        )
        assert older
        second = await client.get(older.group(1))
        assert second.text.count('data-testid="webhook-event"') == 3
        assert all(msg_id in second.text for msg_id in msg_ids[:3])
        assert 'data-testid="older"' not in second.text
        for junk in ("abc", "-1", "0", "9" * 40):
            assert (await client.get(PAGE, params={"before": junk})).status_code == 200
