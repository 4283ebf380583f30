"""The operator console: only operators; users, suspension, ledger health, activity."""

from __future__ import annotations

import re

import httpx

from easypay.db import Database
from easypay.identity import repository as identity_repository
from tests.web.conftest import OPERATOR_PASSWORD, OPERATOR_PHONE, make_operator
from tests.web.helpers import NAME, PHONE, csrf_of, post_form, sign_up, sign_up_with_pin


async def operator_client(client: httpx.AsyncClient, database: Database) -> httpx.AsyncClient:
    await make_operator(database)
    response = await post_form(
        client, "/signin", "/signin", {"phone": OPERATOR_PHONE, "password": OPERATOR_PASSWORD}
    )
    assert response.status_code == 303, response.text
    return client


async def set_status(
    client: httpx.AsyncClient, page: httpx.Response, name: str, status: str
) -> httpx.Response:
    row = next(r for r in page.text.split('data-testid="admin-user-row"') if name in r)
    action = re.search(r'action="(/admin/users/\d+/status)"', row)
    assert action
    return await client.post(
        action.group(1), data={"status": status, "csrf_token": csrf_of(page.text)}
    )


class TestAccess:
    async def test_signed_out_visitors_sign_in_first(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/admin/ledger")
        assert response.headers["location"] == "/signin?next=/admin/ledger"

    async def test_customers_get_a_friendly_403(self, client: httpx.AsyncClient) -> None:
        await sign_up_with_pin(client)
        for path in ("/admin", "/admin/ledger", "/admin/activity"):
            response = await client.get(path)
            assert response.status_code == 403, path
            assert "운영자만 볼 수 있는 페이지입니다" in response.text
        page = await client.get("/")
        forged = await client.post(
            "/admin/users/1/status", data={"status": "suspended", "csrf_token": csrf_of(page.text)}
        )
        assert forged.status_code == 403


class TestConsole:
    async def test_users_search_and_suspend(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, database: Database
    ) -> None:
        await sign_up_with_pin(other_client)
        operator = await operator_client(client, database)
        page = await operator.get("/admin")
        assert page.text.count('data-testid="admin-user-row"') == 2
        assert "총 2명" in page.text
        search = await operator.get("/admin?q=민준")
        assert search.text.count('data-testid="admin-user-row"') == 1

        response = await set_status(operator, page, NAME, "suspended")
        assert response.headers["location"] == "/admin?notice=user_updated"
        assert (await other_client.get("/")).status_code == 303  # their session stops working
        refused = await post_form(
            other_client, "/signin", "/signin", {"phone": PHONE, "password": "correct-horse-42"}
        )
        assert "정지된 계정입니다" in refused.text

        page = await operator.get("/admin")
        assert "정지 해제" in page.text
        await set_status(operator, page, NAME, "active")
        again = await post_form(
            other_client, "/signin", "/signin", {"phone": PHONE, "password": "correct-horse-42"}
        )
        assert again.status_code == 303

    async def test_an_operator_cannot_suspend_themselves(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator = await operator_client(client, database)
        page = await operator.get("/admin")
        assert 'action="/admin/users/' not in page.text  # no button on their own row
        async with database.transaction() as session:
            me = await identity_repository.user_by_phone(session, "+821090000001")
        assert me is not None
        response = await operator.post(
            f"/admin/users/{me.id}/status",
            data={"status": "suspended", "csrf_token": csrf_of(page.text)},
        )
        assert response.status_code == 409
        assert "자기 계정은 정지할 수 없습니다" in response.text
        assert (await operator.get("/admin")).status_code == 200

    async def test_ledger_health_and_activity(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, database: Database
    ) -> None:
        await sign_up(other_client)
        operator = await operator_client(client, database)
        ledger = await operator.get("/admin/ledger")
        assert 'data-ok="true"' in ledger.text
        assert "모든 불변식이 성립합니다" in ledger.text
        activity = await operator.get("/admin/activity")
        assert "user.signed_up" in activity.text
        assert NAME in activity.text
