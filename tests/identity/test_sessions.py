"""Sign-in sessions: opaque Bearer tokens that can be listed, revoked and rate-limited."""

from __future__ import annotations

import pytest

from tests.identity.builders import (
    PASSWORD,
    error_of,
    new_phone,
    sign_in,
    sign_up,
    signed_in,
    signed_up_user,
)


class TestSignIn:
    async def test_gives_a_token_that_works(self, client):
        user = await signed_up_user(client)
        me = await client.get("/api/v1/me", headers=user.headers)
        assert me.status_code == 200
        assert me.json()["id"] == user.user_id

    async def test_wrong_password(self, client):
        phone = new_phone()
        await sign_up(client, phone=phone)
        response = await sign_in(client, phone, PASSWORD + "x")
        assert response.status_code == 401
        assert error_of(response) == "InvalidCredentials"

    async def test_unknown_phone_is_answered_like_a_wrong_password(self, client):
        response = await sign_in(client, new_phone(), PASSWORD)
        assert response.status_code == 401
        assert error_of(response) == "InvalidCredentials"

    async def test_bad_phone(self, client):
        response = await sign_in(client, "not a phone", PASSWORD)
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"

    async def test_missing_password(self, client):
        response = await client.post("/api/v1/sessions", json={"phone": new_phone()})
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"


class TestSignInRateLimit:
    async def test_too_many_wrong_passwords_for_a_phone(self, client, settings, fake_clock):
        # The clock stands still: a fixed rate-limit window must not roll over mid-test.
        phone = new_phone()
        await sign_up(client, phone=phone)
        for _ in range(settings.signin_limit_per_phone):
            response = await sign_in(client, phone, "wrong-password-1")
            assert response.status_code == 401
        response = await sign_in(client, phone, "wrong-password-1")
        assert response.status_code == 429
        assert error_of(response) == "TooManyRequests"
        assert response.headers["Retry-After"]
        # the right password does not get through either, until the window passes
        assert (await sign_in(client, phone, PASSWORD)).status_code == 429

    async def test_the_limit_lifts_after_the_window(self, client, settings, fake_clock):
        phone = new_phone()
        await sign_up(client, phone=phone)
        for _ in range(settings.signin_limit_per_phone):
            await sign_in(client, phone, "wrong-password-1")
        assert (await sign_in(client, phone, PASSWORD)).status_code == 429
        fake_clock.advance(seconds=settings.rate_window_seconds)
        assert (await sign_in(client, phone, PASSWORD)).status_code == 201

    async def test_another_phone_is_not_limited(self, client, settings):
        limited, other = new_phone(), new_phone()
        await sign_up(client, phone=limited)
        await sign_up(client, phone=other)
        for _ in range(settings.signin_limit_per_phone + 1):
            await sign_in(client, limited, "wrong-password-1")
        assert (await sign_in(client, other, PASSWORD)).status_code == 201

    async def test_successful_sign_ins_are_not_counted(self, client, settings):
        phone = new_phone()
        await sign_up(client, phone=phone)
        for _ in range(settings.signin_limit_per_phone + 2):
            assert (await sign_in(client, phone, PASSWORD)).status_code == 201


class TestSignOut:
    async def test_the_token_stops_working(self, client):
        user = await signed_up_user(client)
        response = await client.delete("/api/v1/sessions/current", headers=user.headers)
        assert response.status_code == 204
        me = await client.get("/api/v1/me", headers=user.headers)
        assert me.status_code == 401
        assert error_of(me) == "NotSignedIn"

    async def test_other_sessions_keep_working(self, client):
        user = await signed_up_user(client)
        other = await signed_in(client, user.phone)
        await client.delete("/api/v1/sessions/current", headers=user.headers)
        assert (await client.get("/api/v1/me", headers=other.headers)).status_code == 200


class TestSessions:
    async def test_lists_my_active_sessions_marking_the_current_one(self, client):
        user = await signed_up_user(client)
        other = await signed_in(client, user.phone)
        stranger = await signed_up_user(client)
        response = await client.get("/api/v1/sessions", headers=user.headers)
        assert response.status_code == 200
        sessions = {s["id"]: s for s in response.json()}
        assert set(sessions) == {user.session_id, other.session_id}
        assert sessions[user.session_id]["current"] is True
        assert sessions[other.session_id]["current"] is False
        assert stranger.session_id not in sessions
        assert sessions[user.session_id]["kind"] == "api"

    async def test_revoking_a_session_ends_it(self, client):
        user = await signed_up_user(client)
        other = await signed_in(client, user.phone)
        response = await client.delete(f"/api/v1/sessions/{other.session_id}", headers=user.headers)
        assert response.status_code == 204
        assert (await client.get("/api/v1/me", headers=other.headers)).status_code == 401
        listed = await client.get("/api/v1/sessions", headers=user.headers)
        assert [s["id"] for s in listed.json()] == [user.session_id]

    async def test_revoking_twice_is_not_found(self, client):
        user = await signed_up_user(client)
        other = await signed_in(client, user.phone)
        await client.delete(f"/api/v1/sessions/{other.session_id}", headers=user.headers)
        response = await client.delete(f"/api/v1/sessions/{other.session_id}", headers=user.headers)
        assert response.status_code == 404
        assert error_of(response) == "SessionNotFound"

    async def test_another_users_session_is_not_found(self, client):
        user, stranger = await signed_up_user(client), await signed_up_user(client)
        response = await client.delete(
            f"/api/v1/sessions/{stranger.session_id}", headers=user.headers
        )
        assert response.status_code == 404
        assert error_of(response) == "SessionNotFound"
        assert (await client.get("/api/v1/me", headers=stranger.headers)).status_code == 200

    @pytest.mark.parametrize(
        "session_id", ["0", "-1", "abc", "1.5", str(2**63), "99999999999999999999999999"]
    )
    async def test_bad_session_id(self, client, session_id):
        user = await signed_up_user(client)
        response = await client.delete(f"/api/v1/sessions/{session_id}", headers=user.headers)
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"

    async def test_the_largest_id_is_simply_not_found(self, client):
        user = await signed_up_user(client)
        response = await client.delete(f"/api/v1/sessions/{2**63 - 1}", headers=user.headers)
        assert response.status_code == 404


class TestAuthentication:
    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": "Bearer "},
            {"Authorization": "Bearer not-a-real-token"},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": "bearer"},
        ],
    )
    async def test_no_valid_token_is_401(self, client, headers):
        response = await client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert error_of(response) in ("NotSignedIn", "Unauthorized")

    async def test_an_expired_session_is_401(self, client, settings, fake_clock):
        user = await signed_up_user(client)
        fake_clock.advance(days=settings.session_days, seconds=1)
        assert (await client.get("/api/v1/me", headers=user.headers)).status_code == 401
