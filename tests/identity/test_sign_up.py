"""Sign-up: who may join, and how bad input is answered (a 4xx JSON error, nothing created)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from easypay.ledger import service as ledger
from easypay.ledger.accounts import Balance
from easypay.models import User
from tests.identity.builders import (
    PASSWORD,
    e164,
    error_of,
    new_phone,
    sign_in,
    sign_up,
    sign_up_body,
)


async def user_count(database) -> int:
    async with database.transaction() as session:
        return int((await session.execute(select(func.count(User.id)))).scalar_one())


class TestSignUp:
    async def test_creates_the_user_with_an_empty_wallet(self, client, database):
        phone = new_phone()
        response = await sign_up(client, phone=phone)
        assert response.status_code == 201, response.text
        user = response.json()
        assert user["phone"] == e164(phone)
        assert user["name"] == "김민준"
        assert user["birth_date"] == "1990-05-17"
        assert (user["pin_set"], user["pin_locked"], user["is_operator"]) == (False, False, False)
        assert "password" not in str(user).lower()
        async with database.transaction() as session:
            wallet = await ledger.user_wallet(session, user["id"])
        assert Balance.of(wallet) == Balance(0, 0, 0)

    @pytest.mark.parametrize(
        "phone", ["010-2345-6789", "01023456789", "+82 10 2345 6789", "010 2345 6789"]
    )
    async def test_korean_local_forms_are_stored_as_e164(self, client, phone):
        response = await sign_up(client, phone=phone)
        assert response.status_code == 201, response.text
        assert response.json()["phone"] == "+821023456789"

    async def test_signed_up_user_can_sign_in(self, client):
        phone = new_phone()
        await sign_up(client, phone=phone)
        response = await sign_in(client, phone.replace("-", ""), PASSWORD)
        assert response.status_code == 201, response.text
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {response.json()['token']}"}
        )
        assert me.json()["phone"] == e164(phone)

    async def test_spaces_in_the_name_are_tidied(self, client):
        response = await sign_up(client, name="  Kim   Min  Jun ")
        assert response.status_code == 201, response.text
        assert response.json()["name"] == "Kim Min Jun"

    async def test_the_same_phone_in_another_form_is_taken(self, client, database):
        phone = new_phone()
        assert (await sign_up(client, phone=phone)).status_code == 201
        response = await sign_up(client, phone="+82 " + phone[1:])
        assert response.status_code == 409
        assert error_of(response) == "PhoneTaken"
        assert await user_count(database) == 1

    async def test_concurrent_sign_ups_with_one_phone_create_one_user(self, client, database):
        phone = new_phone()
        responses = await asyncio.gather(*(sign_up(client, phone=phone) for _ in range(8)))
        assert Counter(r.status_code for r in responses) == {201: 1, 409: 7}
        assert {error_of(r) for r in responses if r.status_code == 409} == {"PhoneTaken"}
        assert await user_count(database) == 1


class TestSignUpRefusals:
    @pytest.mark.parametrize(
        "phone", ["", "abc", "010-1234", "12345", "010-1234-5678-9999", "+82 99 1234 5678"]
    )
    async def test_bad_phone(self, client, database, phone):
        response = await sign_up(client, phone=phone)
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"
        assert await user_count(database) == 0

    @pytest.mark.parametrize(
        "password",
        [
            "short1",  # too short
            "abcdefghij",  # letters only
            "1234567890",  # digits only
            "password1",  # common
            "x" * 201 + "1",  # too long
        ],
    )
    async def test_weak_password(self, client, database, password):
        response = await sign_up(client, password=password)
        assert response.status_code == 422
        assert error_of(response) in ("WeakPassword", "ValidationError")
        assert await user_count(database) == 0

    async def test_password_containing_the_phone_number(self, client):
        response = await sign_up(client, phone="010-2345-6789", password="me23456789!")
        assert response.status_code == 422
        assert error_of(response) == "WeakPassword"

    @pytest.mark.parametrize(
        ("birth_date", "status"),
        [
            ("2012-06-15", 201),  # 14 today
            ("2012-06-16", 422),  # 14 tomorrow
            ("2020-01-01", 422),
            ("2027-01-01", 422),  # not born yet
            ("1906-01-01", 201),
            ("1905-12-31", 422),  # older than 120
        ],
    )
    async def test_age_limits(self, client, fake_clock, birth_date, status):
        fake_clock.set(datetime(2026, 6, 15, 12, 0, tzinfo=UTC))
        response = await sign_up(client, birth_date=birth_date)
        assert response.status_code == status, response.text
        if status == 422:
            assert error_of(response) == "ValidationError"

    @pytest.mark.parametrize(
        "name", ["", "   ", "Kim 2", "김민준1", "R2-D2", "a_b", "<script>", "가" * 51]
    )
    async def test_bad_name(self, client, database, name):
        response = await sign_up(client, name=name)
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"
        assert await user_count(database) == 0

    @pytest.mark.parametrize("missing", ["phone", "name", "birth_date", "password"])
    async def test_missing_field(self, client, database, missing):
        body = sign_up_body()
        del body[missing]
        response = await client.post("/api/v1/users", json=body)
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"
        assert missing in response.json()["detail"]
        assert await user_count(database) == 0

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("phone", 1012345678),
            ("phone", None),
            ("name", ["김민준"]),
            ("birth_date", 19900517),
            ("birth_date", "17/05/1990"),
            ("birth_date", "1990-02-30"),
            ("password", {"value": "correct-horse-42"}),
            ("phone", "0" * 40),
        ],
    )
    async def test_wrong_type(self, client, database, field, value):
        response = await client.post("/api/v1/users", json=sign_up_body(**{field: value}))
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"
        assert await user_count(database) == 0

    @pytest.mark.parametrize(
        "content", [b"", b"not json", b"[]", b'"a string"', b'{"phone": "010-2345-6789"']
    )
    async def test_body_that_is_not_a_json_object(self, client, content):
        response = await client.post(
            "/api/v1/users", content=content, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"
