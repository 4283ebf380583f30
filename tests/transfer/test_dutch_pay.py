"""Dutch pay (정산하기): split a bill evenly or by amounts; every participant is asked for their
share, never the organiser; the board shows who has paid."""

from __future__ import annotations

from tests.money import builders as money
from tests.transfer import builders


async def organiser_and_friends(client, database, count: int = 2):
    organiser = await money.person(client, database, name="김민준")
    names = ["박서연", "이도윤", "최유나"]
    friends = [
        await builders.funded(client, await money.person(client, database, name=name), 50_000)
        for name in names[:count]
    ]
    return organiser, friends


def asked(board) -> list[tuple[str, int]]:
    return [(item["payer"]["name"], item["amount"]) for item in board["items"]]


class TestEvenSplit:
    async def test_the_organiser_taking_part_absorbs_the_remainder(self, client, database):
        organiser, friends = await organiser_and_friends(client, database)
        response = await builders.dutch_pay(
            client, organiser, 10_000, [builders.share(f) for f in friends]
        )
        assert response.status_code == 201, response.text
        board = response.json()
        assert (board["kind"], board["split"], board["total"]) == ("dutch", "even", 10_000)
        assert board["requester_share"] == 3_334
        assert asked(board) == [("박서연", 3_333), ("이도윤", 3_333)]
        assert board["outstanding"] == 6_666
        assert await builders.inbox(client, organiser) == []  # never asked for their own part
        assert (await builders.inbox(client, friends[0]))[0]["kind"] == "request.asked"

    async def test_without_the_organiser_the_first_pay_one_won_more(self, client, database):
        organiser, friends = await organiser_and_friends(client, database, count=3)
        response = await builders.dutch_pay(
            client, organiser, 10_000, [builders.share(f) for f in friends], include_me=False
        )
        assert response.status_code == 201, response.text
        board = response.json()
        assert board["requester_share"] == 0
        assert asked(board) == [("박서연", 3_334), ("이도윤", 3_333), ("최유나", 3_333)]
        assert board["outstanding"] == 10_000

    async def test_an_exact_split(self, client, database):
        organiser, friends = await organiser_and_friends(client, database)
        board = (
            await builders.dutch_pay(
                client, organiser, 30_000, [builders.share(f) for f in friends]
            )
        ).json()
        assert board["requester_share"] == 10_000
        assert asked(board) == [("박서연", 10_000), ("이도윤", 10_000)]

    async def test_a_total_too_small_to_split(self, client, database):
        organiser, friends = await organiser_and_friends(client, database)
        response = await builders.dutch_pay(
            client, organiser, 2, [builders.share(f) for f in friends]
        )
        assert response.status_code == 422
        assert builders.error_of(response) == "SharesDoNotAddUp"
        assert await builders.inbox(client, friends[0]) == []


class TestSplitByAmounts:
    async def test_amounts_that_add_up(self, client, database):
        organiser, friends = await organiser_and_friends(client, database)
        response = await builders.dutch_pay(
            client,
            organiser,
            50_000,
            [builders.share(friends[0], 20_000), builders.share(friends[1], 12_000)],
            split="amounts",
            my_amount=18_000,
        )
        assert response.status_code == 201, response.text
        board = response.json()
        assert (board["split"], board["requester_share"]) == ("amounts", 18_000)
        assert asked(board) == [("박서연", 20_000), ("이도윤", 12_000)]

    async def test_amounts_that_do_not_add_up(self, client, database):
        organiser, friends = await organiser_and_friends(client, database)
        response = await builders.dutch_pay(
            client,
            organiser,
            50_000,
            [builders.share(friends[0], 20_000), builders.share(friends[1], 12_000)],
            split="amounts",
            my_amount=17_999,
        )
        assert response.status_code == 422
        assert builders.error_of(response) == "SharesDoNotAddUp"
        assert await builders.inbox(client, friends[0]) == []
        listed = await client.get("/api/v1/money-requests", headers=organiser.headers)
        assert listed.json()["items"] == []

    async def test_an_amount_missing(self, client, database):
        organiser, friends = await organiser_and_friends(client, database)
        response = await builders.dutch_pay(
            client,
            organiser,
            20_000,
            [builders.share(friends[0], 20_000), builders.share(friends[1])],
            split="amounts",
        )
        assert response.status_code == 422
        assert builders.error_of(response) == "ValidationError"


class TestTheOrganiserIsNeverAsked:
    async def test_listing_oneself_is_refused(self, client, database):
        organiser, friends = await organiser_and_friends(client, database)
        response = await builders.dutch_pay(
            client, organiser, 30_000, [builders.share(friends[0]), builders.share(organiser)]
        )
        assert response.status_code == 422
        assert builders.error_of(response) == "CannotSendToYourself"
        assert await builders.inbox(client, organiser) == []

    async def test_the_same_person_twice_is_refused(self, client, database):
        organiser, friends = await organiser_and_friends(client, database)
        response = await builders.dutch_pay(
            client, organiser, 30_000, [builders.share(friends[0]), builders.share(friends[0])]
        )
        assert response.status_code == 422
        assert builders.error_of(response) == "ValidationError"


class TestBoard:
    async def test_everyone_sees_who_has_paid(self, client, database):
        organiser, friends = await organiser_and_friends(client, database)
        request_id = (
            await builders.dutch_pay(
                client, organiser, 30_000, [builders.share(f) for f in friends]
            )
        ).json()["id"]
        assert (await builders.pay(client, friends[0], request_id)).status_code == 200
        for viewer in (organiser, *friends):
            board = await builders.money_request(client, viewer, request_id)
            assert [(i["payer"]["name"], i["status"]) for i in board["items"]] == [
                ("박서연", "paid"),
                ("이도윤", "pending"),
            ]
            assert (board["paid"], board["outstanding"]) == (10_000, 10_000)
        assert (await money.balance(client, organiser))["balance"] == 10_000
        assert (await money.balance(client, friends[0]))["balance"] == 40_000

    async def test_a_closed_dutch_pay_cannot_be_paid(self, client, database):
        organiser, friends = await organiser_and_friends(client, database)
        request_id = (
            await builders.dutch_pay(
                client, organiser, 30_000, [builders.share(f) for f in friends]
            )
        ).json()["id"]
        assert (await builders.pay(client, friends[0], request_id)).status_code == 200
        closed = await builders.answer(client, organiser, request_id, "close")
        assert closed.json()["status"] == "closed"
        late = await builders.pay(client, friends[1], request_id)
        assert late.status_code == 409
        assert builders.error_of(late) == "MoneyRequestClosed"
        assert (await money.balance(client, organiser))["balance"] == 10_000
        assert (await money.balance(client, friends[1]))["balance"] == 50_000
        board = await builders.money_request(client, friends[1], request_id)
        assert (board["status"], board["my_item_status"]) == ("closed", "pending")
