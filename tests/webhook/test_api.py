"""The merchant's webhook API: the endpoint and its secret (shown once), rotation, turning off,
the event log with attempts, resend; other merchants' events stay invisible."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from easypay.config import Settings
from easypay.db import Database
from easypay.models import Merchant
from easypay.webhook import signing
from tests.payment import builders as payment
from tests.payment.builders import Shop
from tests.webhook import builders
from tests.webhook.builders import run_worker, set_url, stored
from tests.webhook.receiver import Receiver

WEBHOOK = "/api/v1/merchant/webhook"


async def merchant_row(database: Database, merchant_id: int) -> Merchant:
    async with database.transaction() as session:
        found = await session.get(Merchant, merchant_id)
    assert found is not None
    return found


async def endpoint(client: httpx.AsyncClient, shop: Shop) -> dict[str, object]:
    response = await client.get(WEBHOOK, headers=shop.current)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


class TestAuthentication:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", WEBHOOK),
            ("PUT", WEBHOOK),
            ("DELETE", WEBHOOK),
            ("POST", WEBHOOK + "/secret"),
            ("GET", WEBHOOK + "/events"),
            ("GET", WEBHOOK + "/events/msg_x"),
            ("POST", WEBHOOK + "/events/msg_x/resend"),
        ],
    )
    @pytest.mark.parametrize(
        "authorization",
        [None, "", "SECRET_KEY", "SECRET_KEY wrong", "KakaoAK wrong", "Basic abc", "Bearer x"],
    )
    async def test_without_a_valid_merchant_key_is_401_in_easypays_envelope(
        self,
        client: httpx.AsyncClient,
        database: Database,
        method: str,
        path: str,
        authorization: str | None,
    ) -> None:
        shop = await payment.shop(database)
        headers = {} if authorization is None else {"Authorization": authorization}
        response = await client.request(
            method, path, json={"url": "https://shop.example.com/h"}, headers=headers
        )
        assert response.status_code == 401
        assert response.json() == {
            "error": "MerchantKeyRequired",
            "detail": "Send the merchant's key: `Authorization: SECRET_KEY <secret key>`.",
        }
        assert (await merchant_row(database, shop.merchant_id)).webhook_url == ""

    async def test_the_admin_key_works_too(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        shop = await payment.shop(database)
        response = await client.put(
            WEBHOOK, json={"url": "https://shop.example.com/h"}, headers=shop.legacy
        )
        assert response.status_code == 200, response.text

    async def test_a_suspended_merchant_is_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        shop = await payment.shop(database)
        async with database.transaction() as session:
            found = await session.get(Merchant, shop.merchant_id)
            assert found is not None
            found.status = "suspended"
        response = await set_url(client, shop, "https://shop.example.com/h")
        assert response.status_code == 401


class TestSetUrl:
    async def test_the_secret_is_shown_once_when_made(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        shop = await payment.shop(database)
        assert await endpoint(client, shop) == {"url": "", "enabled": False, "secret": None}

        first = await set_url(client, shop, "https://shop.example.com/hooks")
        assert first.status_code == 200, first.text
        secret = first.json()["secret"]
        assert secret.startswith("whsec_")
        assert len(Webhook(secret)._whsecret) == 32
        assert first.json()["url"] == "https://shop.example.com/hooks"
        assert first.json()["enabled"] is True

        again = await set_url(client, shop, "https://shop.example.com/other")
        assert again.status_code == 200
        assert again.json() == {
            "url": "https://shop.example.com/other",
            "enabled": True,
            "secret": None,
        }
        assert await endpoint(client, shop) == {
            "url": "https://shop.example.com/other",
            "enabled": True,
            "secret": None,
        }

    @pytest.mark.parametrize(
        "url",
        [
            "http://localhost:8080/hooks",
            "http://127.0.0.1:9/hooks",
            "http://[::1]:8000/h",
            "https://shop.example.com",
            "https://shop.example.com:8443/a/b?c=d",
            "https://" + "a" * 200 + ".com/" + "b" * 42,  # 255 characters
        ],
    )
    async def test_good_urls(self, client: httpx.AsyncClient, database: Database, url: str) -> None:
        shop = await payment.shop(database)
        response = await set_url(client, shop, url)
        assert response.status_code == 200, response.text
        assert response.json()["url"] == url

    @pytest.mark.parametrize(
        "url",
        [
            "",
            "   ",
            "http://shop.example.com/hooks",
            "http://10.0.0.1/hooks",
            "ftp://shop.example.com/",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "shop.example.com/hooks",
            "https://user:pass@shop.example.com/",
            "https://shop.example.com/a b",
            "https://shop.example.com/\n",
            "https://상점.example.com/",
            "https://shop.example.com/#frag",
            "https://shop.example.com:99999/",
            "https://shop.example.com:0/",
            "https://" + "a" * 200 + ".com/" + "b" * 43,  # 256 characters
            "https://" + "a" * 1990,
        ],
    )
    async def test_bad_urls_are_422_and_change_nothing(
        self, client: httpx.AsyncClient, database: Database, url: str
    ) -> None:
        shop = await payment.shop(database)
        await set_url(client, shop, "https://shop.example.com/first")
        before = await merchant_row(database, shop.merchant_id)
        response = await set_url(client, shop, url)
        assert response.status_code == 422, response.text
        assert response.json()["error"] in ("InvalidWebhookUrl", "ValidationError")
        after = await merchant_row(database, shop.merchant_id)
        assert after.webhook_url == "https://shop.example.com/first"
        assert after.webhook_secret_encrypted == before.webhook_secret_encrypted

    @pytest.mark.parametrize(
        "body", [{}, {"url": None}, {"url": 12}, {"url": ["https://a.example"]}, []]
    )
    async def test_malformed_bodies_are_422(
        self, client: httpx.AsyncClient, database: Database, body: object
    ) -> None:
        shop = await payment.shop(database)
        response = await client.put(WEBHOOK, json=body, headers=shop.current)
        assert response.status_code == 422
        assert response.json()["error"] == "ValidationError"
        assert (await merchant_row(database, shop.merchant_id)).webhook_url == ""

    async def test_concurrent_first_puts_make_one_secret(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        shop = await payment.shop(database)
        responses = await asyncio.gather(
            *(set_url(client, shop, f"https://shop.example.com/{n}") for n in range(4))
        )
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        secrets = [r.json()["secret"] for r in responses if r.json()["secret"]]
        assert len(secrets) == 1
        row = await merchant_row(database, shop.merchant_id)
        opened = signing.open_secret(
            settings.server_secret, shop.merchant_id, row.webhook_secret_encrypted
        )
        assert opened == secrets[0]


class TestSecretStorage:
    async def test_a_database_copy_without_the_server_secret_cannot_read_it(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        shop = await payment.shop(database)
        secret = (await set_url(client, shop, "https://shop.example.com/h")).json()["secret"]
        async with database.transaction() as session:
            row = (
                await session.execute(
                    select(Merchant.__table__).where(Merchant.id == shop.merchant_id)
                )
            ).one()
        stored_text = " ".join(str(value) for value in row)
        assert secret not in stored_text
        assert secret.removeprefix("whsec_") not in stored_text
        sealed = row.webhook_secret_encrypted
        assert signing.open_secret(settings.server_secret, shop.merchant_id, sealed) == secret
        with pytest.raises(signing.UnreadableSecret):
            signing.open_secret(bytes.fromhex("11" * 32), shop.merchant_id, sealed)
        # Copied onto another merchant's row, it does not open either.
        with pytest.raises(signing.UnreadableSecret):
            signing.open_secret(settings.server_secret, shop.merchant_id + 1, sealed)


class TestRotate:
    async def test_rotation_shows_a_new_secret_once_and_the_old_one_stops_working(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, old = await builders.shop_with_webhook(client, database, receiver.url)
        response = await client.post(WEBHOOK + "/secret", headers=shop.current)
        assert response.status_code == 200, response.text
        new = response.json()["secret"]
        assert new.startswith("whsec_")
        assert new != old
        assert response.json()["url"] == receiver.url
        assert (await endpoint(client, shop))["secret"] is None

        await builders.event(database, shop.merchant_id)
        await run_worker(database, settings)
        request = receiver.requests[0]
        Webhook(new).verify(request.body, request.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(request.body, request.headers)

    async def test_rotating_while_off_is_409(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        shop = await payment.shop(database)
        response = await client.post(WEBHOOK + "/secret", headers=shop.current)
        assert response.status_code == 409
        assert response.json()["error"] == "WebhooksOff"
        assert (await merchant_row(database, shop.merchant_id)).webhook_secret_encrypted == ""


class TestTurnOff:
    async def test_off_means_no_events_and_a_new_secret_when_back_on(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, old = await builders.shop_with_webhook(client, database, receiver.url)
        response = await client.delete(WEBHOOK, headers=shop.current)
        assert response.status_code == 204
        assert await endpoint(client, shop) == {"url": "", "enabled": False, "secret": None}
        row = await merchant_row(database, shop.merchant_id)
        assert (row.webhook_url, row.webhook_secret_encrypted) == ("", "")
        assert await builders.event(database, shop.merchant_id) is None
        assert await run_worker(database, settings) == 0
        assert receiver.requests == []
        # Turning off twice is fine.
        assert (await client.delete(WEBHOOK, headers=shop.current)).status_code == 204

        back = await set_url(client, shop, receiver.url)
        new = back.json()["secret"]
        assert new
        assert new != old


class TestEventLog:
    async def test_newest_first_paginated_with_attempts(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        msg_ids = []
        for number in range(5):
            published = await builders.event(database, shop.merchant_id, data={"n": number})
            assert published is not None
            msg_ids.append(published.msg_id)
        receiver.fail_next(1, status=500)
        await run_worker(database, settings)

        first = await client.get(WEBHOOK + "/events", params={"limit": 2}, headers=shop.current)
        assert first.status_code == 200, first.text
        page = first.json()
        assert [item["msg_id"] for item in page["items"]] == msg_ids[::-1][:2]
        assert page["next_cursor"]
        second = await client.get(
            WEBHOOK + "/events",
            params={"limit": 2, "cursor": page["next_cursor"]},
            headers=shop.current,
        )
        third = await client.get(
            WEBHOOK + "/events",
            params={"limit": 2, "cursor": second.json()["next_cursor"]},
            headers=shop.current,
        )
        assert [i["msg_id"] for i in second.json()["items"]] == msg_ids[::-1][2:4]
        assert [i["msg_id"] for i in third.json()["items"]] == msg_ids[:1]
        assert third.json()["next_cursor"] is None

        # The first event's first attempt got the 500; it is pending with one attempt.
        failed = await client.get(
            WEBHOOK + "/events", params={"state": "pending"}, headers=shop.current
        )
        assert [i["msg_id"] for i in failed.json()["items"]] == [msg_ids[0]]
        item = failed.json()["items"][0]
        assert item["attempts"] == 1
        assert item["next_attempt_at"] is not None
        assert item["payload"]["data"] == {"n": 0}
        delivered = await client.get(
            WEBHOOK + "/events", params={"state": "delivered"}, headers=shop.current
        )
        assert len(delivered.json()["items"]) == 4

        detail = await client.get(WEBHOOK + f"/events/{msg_ids[0]}", headers=shop.current)
        assert detail.status_code == 200
        log = detail.json()["attempt_log"]
        assert [(a["number"], a["status_code"], a["error"]) for a in log] == [
            (1, 500, "HTTP 500: answer 500")
        ]
        assert log[0]["duration_ms"] >= 0

    @pytest.mark.parametrize(
        "params",
        [
            {"limit": 0},
            {"limit": 101},
            {"limit": -1},
            {"cursor": 0},
            {"cursor": "abc"},
            {"cursor": 2**70},
            {"state": "lost"},
        ],
    )
    async def test_bad_list_parameters_are_422(
        self, client: httpx.AsyncClient, database: Database, params: dict[str, object]
    ) -> None:
        shop = await payment.shop(database)
        response = await client.get(WEBHOOK + "/events", params=params, headers=shop.current)
        assert response.status_code == 422
        assert response.json()["error"] == "ValidationError"

    async def test_another_merchants_events_are_invisible(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        owner, _ = await builders.shop_with_webhook(client, database, receiver.url)
        other, _ = await builders.shop_with_webhook(
            client, database, receiver.url, cid="TC0SECONDS"
        )
        published = await builders.event(database, owner.merchant_id)
        assert published is not None
        await run_worker(database, settings)

        listed = await client.get(WEBHOOK + "/events", headers=other.current)
        assert listed.json() == {"items": [], "next_cursor": None}
        for response in (
            await client.get(WEBHOOK + f"/events/{published.msg_id}", headers=other.current),
            await client.post(
                WEBHOOK + f"/events/{published.msg_id}/resend", headers=other.current
            ),
            await client.get(
                WEBHOOK + "/events/msg_000000000000000000000000", headers=owner.current
            ),
            await client.get(WEBHOOK + "/events/" + "x" * 300, headers=owner.current),
        ):
            assert response.status_code == 404
            assert response.json()["error"] == "WebhookEventNotFound"
        await run_worker(database, settings)
        assert len(receiver.requests) == 1
        found, attempts = await stored(database, published.msg_id)
        assert (found.state, len(attempts)) == ("delivered", 1)


class TestResend:
    async def test_a_delivered_event_is_sent_again_with_the_same_id(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, secret = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        await run_worker(database, settings)

        response = await client.post(
            WEBHOOK + f"/events/{published.msg_id}/resend", headers=shop.current
        )
        assert response.status_code == 202, response.text
        assert response.json()["state"] == "pending"
        await run_worker(database, settings)
        await run_worker(database, settings)

        assert [r.headers["webhook-id"] for r in receiver.requests] == [published.msg_id] * 2
        for request in receiver.requests:
            Webhook(secret).verify(request.body, request.headers)
        assert receiver.requests[0].body == receiver.requests[1].body
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "delivered"
        assert [a.number for a in attempts] == [1, 2]

    async def test_a_failed_event_gets_a_new_three_days(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        async with database.transaction() as session:
            from easypay.models import WebhookEvent

            found = await session.get(WebhookEvent, published.id)
            assert found is not None
            found.state = "failed"
            found.attempts = 12
        await run_worker(database, settings)
        assert receiver.requests == []  # failed: the first job does nothing

        receiver.fail_next(1)
        response = await client.post(
            WEBHOOK + f"/events/{published.msg_id}/resend", headers=shop.current
        )
        assert response.status_code == 202
        await run_worker(database, settings)
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "pending"  # a new window: retried in 5 seconds
        assert [(a.number, a.status_code) for a in attempts] == [(13, 500)]

    async def test_resend_while_off_is_409(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        await run_worker(database, settings)
        await client.delete(WEBHOOK, headers=shop.current)
        response = await client.post(
            WEBHOOK + f"/events/{published.msg_id}/resend", headers=shop.current
        )
        assert response.status_code == 409
        assert response.json()["error"] == "WebhooksOff"
        found, _ = await stored(database, published.msg_id)
        assert found.state == "delivered"
        assert await builders.pending_delivery_jobs(database) == 0

    async def test_many_resends_at_once_make_no_duplicate_attempt_numbers(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        await run_worker(database, settings)
        responses = await asyncio.gather(
            *(
                client.post(WEBHOOK + f"/events/{published.msg_id}/resend", headers=shop.current)
                for _ in range(3)
            )
        )
        assert all(r.status_code == 202 for r in responses)
        await run_worker(database, settings)
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "delivered"
        assert [a.number for a in attempts] == [1, 2]
        assert len(receiver.requests) == 2
        assert await builders.pending_delivery_jobs(database) == 0
