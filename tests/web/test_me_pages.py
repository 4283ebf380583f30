"""The user's own settings, signed-in devices and friends."""

from __future__ import annotations

import re

import httpx

from easypay.db import Database
from easypay.identity import repository as identity_repository
from easypay.web.pages.me import describe_agent
from tests.web.helpers import E164, PASSWORD, PHONE, csrf_of, post_form, sign_up, sign_up_with_pin


class TestSettings:
    async def test_auto_charge_off_and_english(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await sign_up_with_pin(client)
        response = await post_form(client, "/settings", "/settings", {"language": "en"})
        assert response.headers["location"] == "/settings?notice=settings_saved"
        page = await client.get("/settings?notice=settings_saved")
        assert "Settings saved." in page.text
        assert 'data-testid="auto-charge">' in page.text  # unchecked
        async with database.transaction() as session:
            user = await identity_repository.user_by_phone(session, E164)
        assert user is not None
        assert not user.auto_charge_enabled
        assert user.language == "en"

        await post_form(client, "/settings", "/settings", {"language": "ko", "auto_charge": "on"})
        assert 'checked data-testid="auto-charge"' in (await client.get("/settings")).text

    async def test_customers_see_no_console_link(self, client: httpx.AsyncClient) -> None:
        await sign_up_with_pin(client)
        assert 'href="/admin"' not in (await client.get("/settings")).text


class TestSessions:
    async def test_list_and_revoke_another_device(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await sign_up_with_pin(client)
        api = await other_client.post(
            "/api/v1/sessions", json={"phone": PHONE, "password": PASSWORD}
        )
        token = api.json()["token"]
        page = await client.get("/sessions")
        assert page.text.count('action="/sessions/') == 2
        assert "현재 기기" in page.text

        other_id = api.json()["session_id"]
        response = await client.post(
            f"/sessions/{other_id}/revoke", data={"csrf_token": csrf_of(page.text)}
        )
        assert response.headers["location"] == "/sessions?notice=session_revoked"
        me = await other_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
        assert (await client.get("/sessions")).text.count('action="/sessions/') == 1

    async def test_revoking_this_device_signs_out(self, client: httpx.AsyncClient) -> None:
        await sign_up_with_pin(client)
        page = await client.get("/sessions")
        action = re.search(r'action="(/sessions/\d+/revoke)"', page.text)
        assert action
        response = await client.post(action.group(1), data={"csrf_token": csrf_of(page.text)})
        assert response.headers["location"] == "/signin?notice=signed_out"
        assert (await client.get("/")).status_code == 303

    async def test_someone_elses_session_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await sign_up_with_pin(client)
        await sign_up(other_client, phone="010-2222-3333", name="박서연")
        theirs = re.search(
            r'action="/sessions/(\d+)/revoke"', (await other_client.get("/sessions")).text
        )
        assert theirs
        page = await client.get("/sessions")
        response = await client.post(
            f"/sessions/{theirs.group(1)}/revoke", data={"csrf_token": csrf_of(page.text)}
        )
        assert response.status_code == 404
        assert "이미 로그아웃된 기기입니다" in response.text
        assert (await other_client.get("/")).status_code == 200

    def test_devices_are_described_briefly(self) -> None:
        android = (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/125.0 Mobile Safari/537.36"
        )
        assert describe_agent(android, "ko") == "Chrome · Android"
        assert describe_agent("", "ko") == "알 수 없는 기기"
        assert describe_agent("curl/8.0", "en") == "curl/8.0"


class TestFriends:
    async def test_add_and_remove(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await sign_up(other_client, phone="010-2222-3333", name="박서연")
        await sign_up_with_pin(client)
        response = await post_form(client, "/friends", "/friends", {"phone": "01022223333"})
        assert response.headers["location"] == "/friends?notice=friend_added"
        page = await client.get("/friends")
        assert "박서연" in page.text
        assert "010-2222-3333" in page.text

        action = re.search(r'action="(/friends/\d+/remove)"', page.text)
        assert action
        removed = await client.post(action.group(1), data={"csrf_token": csrf_of(page.text)})
        assert removed.headers["location"] == "/friends?notice=friend_removed"
        assert "아직 친구가 없습니다" in (await client.get("/friends")).text

    async def test_refusals_are_explained(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await sign_up(other_client, phone="010-2222-3333", name="박서연")
        await sign_up_with_pin(client)
        cases = [
            ("010-7777-8888", 404, "이 번호로 가입한 이지페이 회원이 없습니다"),
            (PHONE, 422, "자기 자신은 친구로 추가할 수 없습니다"),
            ("12", 422, "휴대폰 번호를 올바르게"),
        ]
        for phone, status, message in cases:
            response = await post_form(client, "/friends", "/friends", {"phone": phone})
            assert response.status_code == status, phone
            assert message in response.text, phone
        await post_form(client, "/friends", "/friends", {"phone": "010-2222-3333"})
        again = await post_form(client, "/friends", "/friends", {"phone": "010-2222-3333"})
        assert again.status_code == 409
        assert "이미 친구입니다" in again.text
