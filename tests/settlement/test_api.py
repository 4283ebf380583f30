"""The merchant settlement API: statements and lines by the merchant's own key, nobody else's;
bad keys and bad ids are clear refusals in EasyPay's error shape."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.payment import builders as pay
from tests.settlement import builders as s

DAY = date(2026, 11, 20)
BASE = "/api/v1/merchant/settlements"


async def two_days(app, client, database, fake_clock, shop):
    buyer = await pay.buyer(client, database, 100_000)
    fake_clock.set(s.at_kst(DAY, 10))
    tid = await s.payment(client, database, app, shop, buyer, 10_000)
    await s.payment(client, database, app, shop, buyer, 1_220)
    await s.cancel(client, shop, tid, 2_000)
    s.next_morning(fake_clock, DAY)
    await s.run(app, DAY)
    await s.payment(client, database, app, shop, buyer, 5_000)
    s.next_morning(fake_clock, DAY + timedelta(days=1))
    await s.run(app, DAY + timedelta(days=1))
    return tid


class TestRead:
    async def test_list_newest_first_with_either_key(self, app, client, database, fake_clock):
        shop = await s.merchant(database)
        await two_days(app, client, database, fake_clock, shop)
        for headers in (shop.shop.current, shop.shop.legacy):
            response = await client.get(BASE, headers=headers)
            assert response.status_code == 200, response.text
            body = response.json()
            assert [item["business_date"] for item in body["items"]] == [
                "2026-11-21",
                "2026-11-20",
            ]
            first = body["items"][1]
            assert first["status"] == "paid"
            assert (first["gross_amount"], first["cancel_amount"], first["fee_amount"]) == (
                11_220,
                2_000,
                231,
            )
            assert first["net_amount"] == 8_989
            assert first["line_count"] == 3
            assert first["account_masked"].endswith(shop.account_number[-4:])
            assert shop.account_number not in response.text
            assert first["reason"] is None
            assert body.get("next_cursor") is None

    async def test_pages_with_a_cursor(self, app, client, database, fake_clock):
        shop = await s.merchant(database)
        await two_days(app, client, database, fake_clock, shop)
        page = (await client.get(BASE, params={"limit": 1}, headers=shop.shop.current)).json()
        assert [item["business_date"] for item in page["items"]] == ["2026-11-21"]
        assert page["next_cursor"]
        rest = (
            await client.get(
                BASE, params={"limit": 1, "cursor": page["next_cursor"]}, headers=shop.shop.current
            )
        ).json()
        assert [item["business_date"] for item in rest["items"]] == ["2026-11-20"]
        assert rest.get("next_cursor") is None

    async def test_one_statement_with_its_lines(self, app, client, database, fake_clock):
        shop = await s.merchant(database)
        tid = await two_days(app, client, database, fake_clock, shop)
        statement = (await s.statements(database, shop))[0]
        response = await client.get(f"{BASE}/{statement.id}", headers=shop.shop.current)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["id"] == statement.id
        assert body["bank_tran_id"] == statement.bank_tran_id
        assert [
            (line["kind"], line["amount"], line["fee"], line["net"]) for line in body["lines"]
        ] == [
            ("PAYMENT", 10_000, 250, 9_750),
            ("PAYMENT", 1_220, 31, 1_189),
            ("CANCEL", -2_000, -50, -1_950),
        ]
        assert body["lines"][0]["tid"] == tid
        assert body["lines"][2]["tid"] == tid
        assert sum(line["net"] for line in body["lines"]) == body["net_amount"]

    async def test_waiting_for_an_account_says_why(self, app, client, database, fake_clock):
        shop = await s.merchant(database, with_account=False)
        buyer = await pay.buyer(client, database, 50_000)
        fake_clock.set(s.at_kst(DAY, 10))
        await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        await s.run(app, DAY)
        [item] = (await client.get(BASE, headers=shop.shop.current)).json()["items"]
        assert item["status"] == "open"
        assert "settlement account" in item["reason"]
        assert item["bank_tran_id"] is None

    async def test_empty_list(self, client, database):
        shop = await s.merchant(database)
        response = await client.get(BASE, headers=shop.shop.current)
        assert response.status_code == 200
        assert response.json()["items"] == []


class TestRefusals:
    async def test_another_merchants_statement_is_not_found(
        self, app, client, database, fake_clock
    ):
        shop = await s.merchant(database)
        other = await s.merchant(database)
        await two_days(app, client, database, fake_clock, shop)
        statement = (await s.statements(database, shop))[0]
        response = await client.get(f"{BASE}/{statement.id}", headers=other.shop.current)
        assert response.status_code == 404
        assert response.json() == {
            "error": "SettlementNotFound",
            "detail": "No such settlement statement.",
        }
        listed = (await client.get(BASE, headers=other.shop.current)).json()
        assert listed["items"] == []
        missing = await client.get(f"{BASE}/{statement.id + 1000}", headers=shop.shop.current)
        assert missing.status_code == 404

    @pytest.mark.parametrize(
        "authorization",
        [
            None,
            "",
            "KakaoAK",
            "KakaoAK wrong-key",
            "SECRET_KEY wrong-key",
            "Basic abc",
            "SECRET_KEY {admin}",  # the admin key where the secret key goes
            "KakaoAK {secret}",
        ],
    )
    async def test_without_a_valid_key(self, client, database, authorization):
        shop = await s.merchant(database)
        headers = {}
        if authorization is not None:
            headers["Authorization"] = authorization.format(
                admin=shop.shop.admin_key, secret=shop.shop.secret_key
            )
        for path in (BASE, f"{BASE}/1"):
            response = await client.get(path, headers=headers)
            assert response.status_code == 401, response.text
            assert response.json()["error"] == "AuthenticationFailed"
            assert set(response.json()) == {"error", "detail"}

    @pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", str(2**63), "99999999999999999999"])
    async def test_bad_ids(self, client, database, bad):
        shop = await s.merchant(database)
        response = await client.get(f"{BASE}/{bad}", headers=shop.shop.current)
        assert response.status_code == 422
        assert response.json()["error"] == "ValidationError"

    @pytest.mark.parametrize(
        "params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": 0}, {"cursor": -5}]
    )
    async def test_bad_paging(self, client, database, params):
        shop = await s.merchant(database)
        response = await client.get(BASE, params=params, headers=shop.shop.current)
        assert response.status_code == 422
        assert response.json()["error"] == "ValidationError"

    async def test_a_suspended_merchant_is_refused(self, client, database):
        from easypay.models import Merchant

        shop = await s.merchant(database)
        async with database.transaction() as session:
            row = await session.get(Merchant, shop.id)
            assert row is not None
            row.status = "suspended"
        response = await client.get(BASE, headers=shop.shop.current)
        assert response.status_code == 401

    async def test_read_only(self, client, database):
        shop = await s.merchant(database)
        for method in ("POST", "PUT", "DELETE"):
            response = await client.request(method, BASE, headers=shop.shop.current)
            assert response.status_code == 405
