"""Friends: add by phone number, list, remove (transfers build on them)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.identity.builders import error_of, new_phone, signed_up_user


async def add(client, user, phone: str):
    return await client.post("/api/v1/friends", json={"phone": phone}, headers=user.headers)


async def friend_ids(client, user) -> list[int]:
    response = await client.get("/api/v1/friends", headers=user.headers)
    assert response.status_code == 200
    return [f["user_id"] for f in response.json()]


class TestAddFriend:
    async def test_by_phone_in_local_form(self, client):
        me, friend = await signed_up_user(client), await signed_up_user(client, name="이서연")
        local = "0" + friend.phone.removeprefix("+82")
        response = await add(client, me, local)
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["user_id"], body["name"], body["phone"]) == (
            friend.user_id,
            "이서연",
            friend.phone,
        )
        assert await friend_ids(client, me) == [friend.user_id]

    async def test_is_one_way(self, client):
        me, friend = await signed_up_user(client), await signed_up_user(client)
        await add(client, me, friend.phone)
        assert await friend_ids(client, friend) == []

    async def test_yourself(self, client):
        me = await signed_up_user(client)
        response = await add(client, me, me.phone)
        assert response.status_code == 422
        assert error_of(response) == "CannotFriendSelf"
        assert await friend_ids(client, me) == []

    async def test_unknown_phone(self, client):
        me = await signed_up_user(client)
        response = await add(client, me, new_phone())
        assert response.status_code == 404
        assert error_of(response) == "UserNotFound"

    async def test_twice(self, client):
        me, friend = await signed_up_user(client), await signed_up_user(client)
        await add(client, me, friend.phone)
        response = await add(client, me, friend.phone)
        assert response.status_code == 409
        assert error_of(response) == "AlreadyFriends"
        assert await friend_ids(client, me) == [friend.user_id]

    async def test_concurrently_twice(self, client):
        me, friend = await signed_up_user(client), await signed_up_user(client)
        responses = await asyncio.gather(*(add(client, me, friend.phone) for _ in range(6)))
        assert Counter(r.status_code for r in responses) == {201: 1, 409: 5}
        assert await friend_ids(client, me) == [friend.user_id]

    @pytest.mark.parametrize("body", [{}, {"phone": 1012345678}, {"phone": "call me"}])
    async def test_bad_input(self, client, body):
        me = await signed_up_user(client)
        response = await client.post("/api/v1/friends", json=body, headers=me.headers)
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"

    async def test_needs_sign_in(self, client):
        response = await client.post("/api/v1/friends", json={"phone": new_phone()})
        assert response.status_code == 401


class TestListFriends:
    async def test_sorted_by_name_and_only_mine(self, client):
        me, stranger = await signed_up_user(client), await signed_up_user(client)
        charlie = await signed_up_user(client, name="Charlie")
        alice = await signed_up_user(client, name="Alice")
        await add(client, me, charlie.phone)
        await add(client, me, alice.phone)
        await add(client, stranger, me.phone)
        assert await friend_ids(client, me) == [alice.user_id, charlie.user_id]
        assert await friend_ids(client, stranger) == [me.user_id]


class TestRemoveFriend:
    async def test_removes_the_friend(self, client):
        me, friend = await signed_up_user(client), await signed_up_user(client)
        await add(client, me, friend.phone)
        response = await client.delete(f"/api/v1/friends/{friend.user_id}", headers=me.headers)
        assert response.status_code == 204
        assert await friend_ids(client, me) == []

    async def test_twice_is_not_found(self, client):
        me, friend = await signed_up_user(client), await signed_up_user(client)
        await add(client, me, friend.phone)
        await client.delete(f"/api/v1/friends/{friend.user_id}", headers=me.headers)
        response = await client.delete(f"/api/v1/friends/{friend.user_id}", headers=me.headers)
        assert response.status_code == 404
        assert error_of(response) == "FriendNotFound"

    async def test_another_users_friend_is_not_found(self, client):
        me, other, their_friend = [await signed_up_user(client) for _ in range(3)]
        await add(client, other, their_friend.phone)
        response = await client.delete(
            f"/api/v1/friends/{their_friend.user_id}", headers=me.headers
        )
        assert response.status_code == 404
        assert error_of(response) == "FriendNotFound"
        assert await friend_ids(client, other) == [their_friend.user_id]

    @pytest.mark.parametrize("friend_id", ["0", "-3", "x", str(2**63), "1" * 30])
    async def test_bad_id(self, client, friend_id):
        me = await signed_up_user(client)
        response = await client.delete(f"/api/v1/friends/{friend_id}", headers=me.headers)
        assert response.status_code == 422
        assert error_of(response) == "ValidationError"
