"""The operator API for merchants: create (keys once), list (pending first), approve, reject;
only operators may use it."""

from __future__ import annotations

import httpx
import pytest

from easypay.db import Database
from easypay.money.gateway import BankGateway
from tests.merchant import builders as build
from tests.payment import builders as pay
from tests.payment.builders import Shop

BASE = "/api/v1/admin/merchants"


class TestAccess:
    async def test_customers_and_strangers_are_refused(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        someone = await build.applicant(client, database)
        applied = await build.apply(database, bank, someone)
        calls = [
            ("GET", BASE, None),
            ("POST", BASE, {"name": "몰래상점"}),
            ("POST", f"{BASE}/{applied.id}/approve", None),
            ("POST", f"{BASE}/{applied.id}/reject", None),
            ("POST", f"{BASE}/{applied.id}/suspend", None),
            ("POST", f"{BASE}/{applied.id}/reactivate", None),
        ]
        for method, url, body in calls:
            anonymous = await client.request(method, url, json=body)
            assert anonymous.status_code == 401, url
            customer = await client.request(method, url, json=body, headers=someone.headers)
            assert customer.status_code == 403, url
            assert customer.json()["error"] == "OperatorOnly"
        assert (await build.merchant(database, applied.id)).status == "pending"


class TestOperatorApi:
    async def test_suspend_and_reactivate(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        _, shop = await build.approved_shop(client, database, bank)
        operator = await build.operator_headers(client, database)
        stopped = await client.post(f"{BASE}/{shop.merchant_id}/suspend", headers=operator)
        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["status"] == "suspended"
        refused = await pay.call(client, shop, "ready", pay.ready_params(shop))
        assert refused.status_code == 401
        again = await client.post(f"{BASE}/{shop.merchant_id}/suspend", headers=operator)
        assert again.status_code == 409
        assert again.json()["error"] == "MerchantNotActive"
        back = await client.post(f"{BASE}/{shop.merchant_id}/reactivate", headers=operator)
        assert back.json()["status"] == "active"
        await pay.ready(client, shop)
        twice = await client.post(f"{BASE}/{shop.merchant_id}/reactivate", headers=operator)
        assert twice.json()["error"] == "MerchantNotSuspended"
        missing = await client.post(f"{BASE}/999999/suspend", headers=operator)
        assert missing.status_code == 404

    async def test_create_shows_the_keys_once_and_they_work(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator = await build.operator_headers(client, database)
        response = await client.post(
            BASE, json={"name": "직영점", "cids": ["TC0DIRECT1"], "fee_bp": 300}, headers=operator
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "active"
        assert body["cids"] == ["TC0DIRECT1"]
        assert body["keys_issued"] is True
        shop = Shop(body["id"], "TC0DIRECT1", body["admin_key"], body["secret_key"])
        await pay.ready(client, shop)
        await pay.ready(client, shop, "json")
        listed = await client.get(BASE, headers=operator)
        assert "admin_key" not in listed.json()["items"][0]

    async def test_create_with_an_owner_and_bad_input(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator = await build.operator_headers(client, database)
        owner = await build.applicant(client, database)
        made = await client.post(
            BASE, json={"name": "주인있는상점", "owner_phone": owner.phone}, headers=operator
        )
        assert made.status_code == 201, made.text
        assert made.json()["owner_id"] == owner.user_id
        assert len(made.json()["cids"]) == 1
        cases = [
            ({"name": "둘째", "owner_phone": owner.phone}, 409, "AlreadyApplied"),
            ({"name": "x", "owner_phone": "010-0000-0001"}, 404, "UserNotFound"),
            ({"name": "x", "cids": made.json()["cids"]}, 409, "CidTaken"),
            ({"name": "x", "cids": ["short"]}, 422, "InvalidCid"),
            ({"name": "x", "fee_bp": -1}, 422, "ValidationError"),
            ({"name": "x", "fee_bp": 10_001}, 422, "ValidationError"),
            ({"name": ""}, 422, "ValidationError"),
            ({"name": "   "}, 422, "ValidationError"),
            ({"name": "x", "cids": ["TC00000001"] * 11}, 422, "ValidationError"),
            ({}, 422, "ValidationError"),
        ]
        for body, status, code in cases:
            response = await client.post(BASE, json=body, headers=operator)
            assert (response.status_code, response.json()["error"]) == (status, code), body
        listed = await client.get(BASE, headers=operator)
        assert listed.json()["total"] == 1

    async def test_review_applications(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        operator = await build.operator_headers(client, database)
        first = await build.apply(database, bank, await build.applicant(client, database))
        second = await build.apply(
            database, bank, await build.applicant(client, database, "이서연"), "두번째"
        )
        await client.post(BASE, json={"name": "직영점"}, headers=operator)

        listed = (await client.get(BASE, headers=operator)).json()
        assert listed["total"] == 3
        assert [m["status"] for m in listed["items"]] == ["pending", "pending", "active"]
        pending = (await client.get(BASE, params={"status": "pending"}, headers=operator)).json()
        assert {m["id"] for m in pending["items"]} == {first.id, second.id}
        assert (
            await client.get(BASE, params={"status": "bogus"}, headers=operator)
        ).status_code == 422

        approved = await client.post(
            f"{BASE}/{first.id}/approve", json={"fee_bp": 200}, headers=operator
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "active"
        assert approved.json()["fee_bp"] == 200
        assert approved.json()["approved_at"] is not None
        assert approved.json()["keys_issued"] is False
        rejected = await client.post(f"{BASE}/{second.id}/reject", headers=operator)
        assert rejected.json()["status"] == "rejected"

        for url in (f"{BASE}/{first.id}/reject", f"{BASE}/{second.id}/approve"):
            again = await client.post(url, headers=operator)
            assert (again.status_code, again.json()["error"]) == (409, "MerchantNotPending")
        missing = await client.post(f"{BASE}/999999/approve", headers=operator)
        assert (missing.status_code, missing.json()["error"]) == (404, "MerchantNotFound")
        for bad in ("0", "-1", "abc"):
            assert (await client.post(f"{BASE}/{bad}/approve", headers=operator)).status_code in (
                404,
                422,
            )

    @pytest.mark.parametrize("fee", [-1, 10_001, "x"])
    async def test_approve_with_a_bad_fee_changes_nothing(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway, fee: object
    ) -> None:
        operator = await build.operator_headers(client, database)
        applied = await build.apply(database, bank, await build.applicant(client, database))
        response = await client.post(
            f"{BASE}/{applied.id}/approve", json={"fee_bp": fee}, headers=operator
        )
        assert response.status_code == 422
        assert (await build.merchant(database, applied.id)).status == "pending"
