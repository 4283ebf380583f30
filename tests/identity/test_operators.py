"""The operator-only API (`/api/v1/admin/*`): closed to anonymous callers and users."""

from __future__ import annotations

import pytest

from tests.identity.builders import (
    PASSWORD,
    error_of,
    sign_in,
    signed_up_operator,
    signed_up_user,
)

ADMIN_READS = ["/api/v1/admin/users", "/api/v1/admin/ledger/health", "/api/v1/admin/activity"]


class TestAccess:
    @pytest.mark.parametrize("path", ADMIN_READS)
    async def test_anonymous_is_401(self, client, path):
        response = await client.get(path)
        assert response.status_code == 401
        assert error_of(response) == "NotSignedIn"

    @pytest.mark.parametrize("path", ADMIN_READS)
    async def test_a_user_is_403(self, client, path):
        user = await signed_up_user(client)
        response = await client.get(path, headers=user.headers)
        assert response.status_code == 403
        assert error_of(response) == "OperatorOnly"

    async def test_a_user_cannot_suspend_anyone(self, client):
        user, victim = await signed_up_user(client), await signed_up_user(client)
        response = await client.patch(
            f"/api/v1/admin/users/{victim.user_id}",
            json={"status": "suspended"},
            headers=user.headers,
        )
        assert response.status_code == 403
        assert (await client.get("/api/v1/me", headers=victim.headers)).status_code == 200

    @pytest.mark.parametrize("path", ADMIN_READS)
    async def test_an_operator_gets_in(self, client, database, path):
        operator = await signed_up_operator(client, database)
        response = await client.get(path, headers=operator.headers)
        assert response.status_code == 200, response.text


class TestUsers:
    async def test_lists_and_searches_users(self, client, database):
        operator = await signed_up_operator(client, database)
        kim = await signed_up_user(client, name="김민준")
        await signed_up_user(client, name="이서연")
        response = await client.get("/api/v1/admin/users", headers=operator.headers)
        assert response.json()["total"] == 3
        response = await client.get(
            "/api/v1/admin/users", params={"q": "민준"}, headers=operator.headers
        )
        page = response.json()
        assert page["total"] == 1
        assert page["items"][0]["id"] == kim.user_id
        assert page["items"][0]["balance"] == 0
        assert page["items"][0]["status"] == "active"

    @pytest.mark.parametrize(
        "params", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "ten"}]
    )
    async def test_bad_paging(self, client, database, params):
        operator = await signed_up_operator(client, database)
        response = await client.get("/api/v1/admin/users", params=params, headers=operator.headers)
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"


class TestSuspend:
    async def test_suspended_users_are_signed_out_and_cannot_sign_in(self, client, database):
        operator = await signed_up_operator(client, database)
        user = await signed_up_user(client)
        response = await client.patch(
            f"/api/v1/admin/users/{user.user_id}",
            json={"status": "suspended"},
            headers=operator.headers,
        )
        assert response.status_code == 200
        assert response.json()["status"] == "suspended"
        assert (await client.get("/api/v1/me", headers=user.headers)).status_code == 401
        response = await sign_in(client, user.phone, PASSWORD)
        assert response.status_code == 403
        assert error_of(response) == "AccountSuspended"

        await client.patch(
            f"/api/v1/admin/users/{user.user_id}",
            json={"status": "active"},
            headers=operator.headers,
        )
        assert (await sign_in(client, user.phone, PASSWORD)).status_code == 201

    async def test_unknown_user(self, client, database):
        operator = await signed_up_operator(client, database)
        response = await client.patch(
            "/api/v1/admin/users/987654", json={"status": "suspended"}, headers=operator.headers
        )
        assert response.status_code == 404
        assert error_of(response) == "UserNotFound"

    @pytest.mark.parametrize("user_id", ["0", "abc", str(2**63), "9" * 40])
    async def test_bad_user_id(self, client, database, user_id):
        operator = await signed_up_operator(client, database)
        response = await client.patch(
            f"/api/v1/admin/users/{user_id}",
            json={"status": "suspended"},
            headers=operator.headers,
        )
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"

    @pytest.mark.parametrize("body", [{}, {"status": "deleted"}, {"status": 1}])
    async def test_bad_status(self, client, database, body):
        operator = await signed_up_operator(client, database)
        user = await signed_up_user(client)
        response = await client.patch(
            f"/api/v1/admin/users/{user.user_id}", json=body, headers=operator.headers
        )
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"


class TestLedgerHealth:
    async def test_reports_every_invariant(self, client, database):
        operator = await signed_up_operator(client, database)
        response = await client.get("/api/v1/admin/ledger/health", headers=operator.headers)
        health = response.json()
        assert health["ok"] is True
        assert len(health["checks"]) == 5
        assert all(check["ok"] for check in health["checks"])


class TestActivity:
    async def test_shows_recent_events_newest_first(self, client, database):
        operator = await signed_up_operator(client, database)
        user = await signed_up_user(client)
        response = await client.get("/api/v1/admin/activity", headers=operator.headers)
        kinds = [(e["user_id"], e["kind"]) for e in response.json()]
        assert kinds[0] == (user.user_id, "user.signed_in")
        assert kinds.index((user.user_id, "user.signed_up")) == 1
        assert (operator.user_id, "user.signed_in") in kinds
