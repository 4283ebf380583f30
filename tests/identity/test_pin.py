"""The 6-digit payment PIN: set, change (needs the old one), reset (needs the password), and the
lock after five wrong PINs in a row."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from easypay.identity import service as identity
from easypay.identity.errors import PinLocked, PinNotSet, WrongPin
from easypay.models import AuditEvent
from tests.identity.builders import PASSWORD, PIN, error_of, signed_up_user

OTHER_PIN = "482915"
WRONG_PIN = "000001"


async def me(client, user) -> dict:
    response = await client.get("/api/v1/me", headers=user.headers)
    assert response.status_code == 200
    return response.json()


async def change(client, user, old_pin: str, new_pin: str = OTHER_PIN):
    return await client.post(
        "/api/v1/me/pin/change", json={"old_pin": old_pin, "new_pin": new_pin}, headers=user.headers
    )


async def reset(client, user, password: str = PASSWORD, new_pin: str = OTHER_PIN):
    return await client.post(
        "/api/v1/me/pin/reset",
        json={"password": password, "new_pin": new_pin},
        headers=user.headers,
    )


async def outcome(database, settings, user_id: int, pin: str) -> str:
    try:
        await identity.check_pin(database, settings, user_id, pin)
    except (WrongPin, PinLocked, PinNotSet) as error:
        return type(error).__name__
    return "ok"


async def events(database, kind: str) -> int:
    statement = select(func.count(AuditEvent.id)).where(AuditEvent.kind == kind)
    async with database.transaction() as session:
        return int((await session.execute(statement)).scalar_one())


class TestSetPin:
    async def test_sets_the_pin(self, client, database, settings):
        user = await signed_up_user(client)
        assert (await me(client, user))["pin_set"] is False
        response = await client.put("/api/v1/me/pin", json={"pin": PIN}, headers=user.headers)
        assert response.status_code == 204
        assert (await me(client, user))["pin_set"] is True
        assert await outcome(database, settings, user.user_id, PIN) == "ok"

    async def test_cannot_set_it_twice(self, client):
        user = await signed_up_user(client, pin=PIN)
        response = await client.put("/api/v1/me/pin", json={"pin": OTHER_PIN}, headers=user.headers)
        assert response.status_code == 409
        assert error_of(response) == "PinAlreadySet"

    @pytest.mark.parametrize(
        "pin",
        [
            "111111",  # a repeat
            "123456",  # a sequence
            "987654",
            "900517",  # the birth date, YYMMDD
            "051790",  # the birth date, MMDDYY
            "12345",  # too short
            "1234567",  # too long
            "12a456",
            "１２３４５６",  # full-width digits
            " 73916",
        ],
    )
    async def test_weak_pins_are_refused(self, client, pin):
        user = await signed_up_user(client)
        response = await client.put("/api/v1/me/pin", json={"pin": pin}, headers=user.headers)
        assert response.status_code == 422
        assert error_of(response) == "WeakPin"
        assert (await me(client, user))["pin_set"] is False

    @pytest.mark.parametrize("body", [{}, {"pin": 739164}, {"pin": None}, {"pin": ""}])
    async def test_malformed_requests(self, client, body):
        user = await signed_up_user(client)
        response = await client.put("/api/v1/me/pin", json=body, headers=user.headers)
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"

    async def test_needs_sign_in(self, client):
        response = await client.put("/api/v1/me/pin", json={"pin": PIN})
        assert response.status_code == 401


class TestChangePin:
    async def test_with_the_old_pin(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        assert (await change(client, user, PIN)).status_code == 204
        assert await outcome(database, settings, user.user_id, OTHER_PIN) == "ok"
        assert await outcome(database, settings, user.user_id, PIN) == "WrongPin"

    async def test_a_wrong_old_pin_is_refused_and_counted(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        response = await change(client, user, WRONG_PIN)
        assert response.status_code == 403
        assert error_of(response) == "WrongPin"
        assert "4" in response.json()["detail"]  # tries left
        assert await outcome(database, settings, user.user_id, PIN) == "ok"  # unchanged

    async def test_a_weak_new_pin_is_refused(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        response = await change(client, user, PIN, "222222")
        assert response.status_code == 422
        assert error_of(response) == "WeakPin"
        assert await outcome(database, settings, user.user_id, PIN) == "ok"

    async def test_without_a_pin_set(self, client):
        user = await signed_up_user(client)
        response = await change(client, user, PIN)
        assert response.status_code == 409
        assert error_of(response) == "PinNotSet"


class TestResetPin:
    async def test_with_the_password(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        assert (await reset(client, user)).status_code == 204
        assert await outcome(database, settings, user.user_id, OTHER_PIN) == "ok"

    async def test_a_wrong_password_is_refused(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        response = await reset(client, user, password="wrong-password-1")
        assert response.status_code == 401
        assert error_of(response) == "InvalidCredentials"
        assert await outcome(database, settings, user.user_id, PIN) == "ok"

    async def test_too_many_wrong_passwords_are_rate_limited(self, client, settings, fake_clock):
        # The clock stands still: a fixed rate-limit window must not roll over mid-test.
        user = await signed_up_user(client, pin=PIN)
        for _ in range(settings.pin_reset_limit_per_user):
            assert (await reset(client, user, password="wrong-password-1")).status_code == 401
        response = await reset(client, user)
        assert response.status_code == 429
        assert error_of(response) == "TooManyRequests"

    async def test_a_weak_new_pin_is_refused(self, client):
        user = await signed_up_user(client, pin=PIN)
        response = await reset(client, user, new_pin="123456")
        assert response.status_code == 422
        assert error_of(response) == "WeakPin"

    async def test_sets_a_first_pin_too(self, client, database, settings):
        user = await signed_up_user(client)
        assert (await reset(client, user)).status_code == 204
        assert (await me(client, user))["pin_set"] is True


class TestPinLock:
    async def test_five_wrong_pins_lock_even_though_each_request_fails(self, client):
        user = await signed_up_user(client, pin=PIN)
        statuses = [(await change(client, user, WRONG_PIN)).status_code for _ in range(5)]
        assert statuses == [403, 403, 403, 403, 423]
        assert (await me(client, user))["pin_locked"] is True
        response = await change(client, user, PIN)  # even the right PIN
        assert response.status_code == 423
        assert error_of(response) == "PinLocked"

    async def test_reset_unlocks(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        for _ in range(5):
            await change(client, user, WRONG_PIN)
        assert (await reset(client, user)).status_code == 204
        assert (await me(client, user))["pin_locked"] is False
        assert await outcome(database, settings, user.user_id, OTHER_PIN) == "ok"
        # the count starts again from zero
        for _ in range(4):
            assert await outcome(database, settings, user.user_id, WRONG_PIN) == "WrongPin"

    async def test_locks_only_value_moving_not_sign_in(self, client):
        user = await signed_up_user(client, pin=PIN)
        for _ in range(5):
            await change(client, user, WRONG_PIN)
        assert (await me(client, user))["pin_locked"] is True
        response = await client.post(
            "/api/v1/sessions", json={"phone": user.phone, "password": PASSWORD}
        )
        assert response.status_code == 201


class TestCheckPin:
    async def test_the_right_pin_passes(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        assert await outcome(database, settings, user.user_id, PIN) == "ok"

    async def test_wrong_pins_say_how_many_tries_are_left(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        for left in (4, 3, 2, 1):
            with pytest.raises(WrongPin, match=f"{left} tries left"):
                await identity.check_pin(database, settings, user.user_id, WRONG_PIN)
        with pytest.raises(PinLocked):
            await identity.check_pin(database, settings, user.user_id, WRONG_PIN)

    async def test_a_locked_pin_refuses_the_right_pin(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        for _ in range(5):
            await outcome(database, settings, user.user_id, WRONG_PIN)
        assert await outcome(database, settings, user.user_id, PIN) == "PinLocked"
        assert await events(database, "pin.locked") == 1

    async def test_a_right_pin_clears_the_count(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        for _ in range(4):
            await outcome(database, settings, user.user_id, WRONG_PIN)
        assert await outcome(database, settings, user.user_id, PIN) == "ok"
        for _ in range(4):
            assert await outcome(database, settings, user.user_id, WRONG_PIN) == "WrongPin"
        assert await outcome(database, settings, user.user_id, PIN) == "ok"

    async def test_no_pin_set(self, client, database, settings):
        user = await signed_up_user(client)
        assert await outcome(database, settings, user.user_id, PIN) == "PinNotSet"

    @pytest.mark.parametrize("pin", ["", "73916", "7391640", "739164 ", "abcdef", "７３９１６４"])
    async def test_near_misses_are_wrong(self, client, database, settings, pin):
        user = await signed_up_user(client, pin=PIN)
        assert await outcome(database, settings, user.user_id, pin) == "WrongPin"

    async def test_another_users_pin_does_not_pass(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        other = await signed_up_user(client, pin=OTHER_PIN)
        assert await outcome(database, settings, user.user_id, OTHER_PIN) == "WrongPin"
        assert await outcome(database, settings, other.user_id, PIN) == "WrongPin"

    async def test_a_burst_of_wrong_pins_locks_exactly_once(self, client, database, settings):
        user = await signed_up_user(client, pin=PIN)
        results = await asyncio.gather(
            *(outcome(database, settings, user.user_id, WRONG_PIN) for _ in range(12))
        )
        assert "ok" not in results
        assert Counter(results) == {"WrongPin": 4, "PinLocked": 8}
        assert (await me(client, user))["pin_locked"] is True
        assert await events(database, "pin.locked") == 1
        assert await outcome(database, settings, user.user_id, PIN) == "PinLocked"
