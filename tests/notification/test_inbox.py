"""The inbox: what happened to me, in my language; unread counts; marking read."""

from __future__ import annotations

from tests.money import builders as money
from tests.transfer import builders


async def with_messages(client, database, count: int = 3):
    """A recipient with `count` incoming-transfer messages, and their sender."""
    sender = await builders.funded(client, await money.person(client, database), 50_000)
    recipient = await money.person(client, database, name="박서연")
    for n in range(count):
        await builders.sent(client, sender, 1_000 * (n + 1), recipient)
    return sender, recipient


async def unread(client, someone) -> int:
    response = await client.get("/api/v1/inbox/unread-count", headers=someone.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["unread"])


async def mark_read(client, someone, message_id):
    return await client.post(f"/api/v1/inbox/{message_id}/read", headers=someone.headers)


class TestUnreadCount:
    async def test_counts_new_messages(self, client, database):
        sender, recipient = await with_messages(client, database)
        assert await unread(client, recipient) == 3
        assert await unread(client, sender) == 0
        messages = await builders.inbox(client, recipient)
        assert [m["read"] for m in messages] == [False, False, False]


class TestMarkOneRead:
    async def test_only_that_one(self, client, database):
        _, recipient = await with_messages(client, database)
        newest, middle, _ = await builders.inbox(client, recipient)
        response = await mark_read(client, recipient, middle["id"])
        assert response.status_code == 200, response.text
        assert response.json()["read"] is True
        assert response.json()["id"] == middle["id"]
        assert await unread(client, recipient) == 2
        assert [m["read"] for m in await builders.inbox(client, recipient)] == [False, True, False]
        only_unread = await client.get(
            "/api/v1/inbox", params={"unread": "true"}, headers=recipient.headers
        )
        assert middle["id"] not in [m["id"] for m in only_unread.json()["items"]]
        assert newest["id"] in [m["id"] for m in only_unread.json()["items"]]

    async def test_twice_is_harmless(self, client, database):
        _, recipient = await with_messages(client, database, count=1)
        (message,) = await builders.inbox(client, recipient)
        await mark_read(client, recipient, message["id"])
        again = await mark_read(client, recipient, message["id"])
        assert again.status_code == 200
        assert again.json()["read"] is True
        assert await unread(client, recipient) == 0

    async def test_another_users_message_is_not_found(self, client, database):
        sender, recipient = await with_messages(client, database, count=1)
        (message,) = await builders.inbox(client, recipient)
        response = await mark_read(client, sender, message["id"])
        assert response.status_code == 404
        assert builders.error_of(response) == "NotificationNotFound"
        assert await unread(client, recipient) == 1

    async def test_bad_and_unknown_ids(self, client, database):
        _, recipient = await with_messages(client, database, count=1)
        for bad in ("0", "-1", str(2**64), "abc"):
            response = await mark_read(client, recipient, bad)
            assert response.status_code == 422, bad
            assert builders.error_of(response) == "ValidationError"
        response = await mark_read(client, recipient, 999_999)
        assert response.status_code == 404
        assert await unread(client, recipient) == 1


class TestMarkAllRead:
    async def test_marks_only_mine(self, client, database):
        sender, recipient = await with_messages(client, database)
        newest = (await builders.inbox(client, recipient))[0]
        await builders.act(client, recipient, int(newest["link"].split("/")[-1]), "decline")
        assert await unread(client, sender) == 1
        response = await client.post("/api/v1/inbox/read-all", headers=recipient.headers)
        assert response.status_code == 200, response.text
        assert response.json() == {"marked": 3}
        assert await unread(client, recipient) == 0
        assert await unread(client, sender) == 1
        again = await client.post("/api/v1/inbox/read-all", headers=recipient.headers)
        assert again.json() == {"marked": 0}


class TestLanguage:
    async def test_korean_by_default(self, client, database):
        _, recipient = await with_messages(client, database, count=1)
        (message,) = await builders.inbox(client, recipient)
        assert message["title"] == "김민준님이 1,000원을 보냈어요"
        assert message["body"] == "받기를 누르면 내 페이머니가 돼요. 점심값"

    async def test_english_when_the_user_chose_it(self, client, database):
        sender, recipient = await with_messages(client, database, count=1)
        await builders.set_language(client, recipient, "en")
        (message,) = await builders.inbox(client, recipient)
        assert message["title"] == "김민준 sent you 1,000 KRW"
        assert message["body"] == "Press receive to add it to your Pay Money. 점심값"
        transfer_id = int(message["link"].split("/")[-1])
        await builders.act(client, recipient, transfer_id, "decline")
        await builders.set_language(client, sender, "en")
        declined = (await builders.inbox(client, sender))[0]
        assert declined["title"] == "박서연 declined your 1,000 KRW"
        assert declined["body"] == "The money is back in your Pay Money."
        marked = await mark_read(client, sender, declined["id"])
        assert marked.json()["title"] == "박서연 declined your 1,000 KRW"

    async def test_an_unknown_language_is_refused(self, client, database):
        _, recipient = await with_messages(client, database, count=1)
        response = await client.patch(
            "/api/v1/me/settings", json={"language": "fr"}, headers=recipient.headers
        )
        assert response.status_code == 422
        (message,) = await builders.inbox(client, recipient)
        assert message["title"].endswith("보냈어요")


class TestPages:
    async def test_newest_first_in_pages(self, client, database):
        _, recipient = await with_messages(client, database)
        first = await client.get("/api/v1/inbox", params={"limit": 2}, headers=recipient.headers)
        body = first.json()
        assert [m["data"]["amount"] for m in body["items"]] == [3_000, 2_000]
        rest = await client.get(
            "/api/v1/inbox",
            params={"limit": 2, "cursor": body["next_cursor"]},
            headers=recipient.headers,
        )
        assert [m["data"]["amount"] for m in rest.json()["items"]] == [1_000]
        assert rest.json()["next_cursor"] is None

    async def test_signed_out_is_refused(self, client, database):
        for path in ("/api/v1/inbox", "/api/v1/inbox/unread-count"):
            assert (await client.get(path)).status_code == 401
        assert (await client.post("/api/v1/inbox/read-all")).status_code == 401
