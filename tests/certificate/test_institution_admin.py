"""The operator's institution API: list with request counts, read, rename, suspend, reactivate,
rotate the key. Every refusal (signed out, not an operator, unknown id, bad input, a state that
does not allow it) changes nothing; a suspended or rotated-out key is refused like an unknown
one, at once."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from easypay.certificate import institutions
from easypay.db import Database
from easypay.errors import InvalidInput
from easypay.identity import service as identity
from easypay.kit.clock import FakeClock
from easypay.models import Institution, SignRequest
from tests.certificate.lifecycle_support import CERT_PIN, fast_argon, issue, someone
from tests.merchant.builders import operator_headers
from tests.money.builders import Person

__all__ = ["fast_argon"]

ADMIN = "/api/v1/admin/institutions"
ASK = "/api/v1/institution/sign-requests"
ROUTES = (
    ("GET", ADMIN, None),
    ("POST", ADMIN, {"name": "국민은행"}),
    ("GET", f"{ADMIN}/1", None),
    ("PATCH", f"{ADMIN}/1", {"name": "신한은행"}),
    ("POST", f"{ADMIN}/1/suspend", None),
    ("POST", f"{ADMIN}/1/reactivate", None),
    ("POST", f"{ADMIN}/1/rotate-key", None),
)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def create(
    client: httpx.AsyncClient, operator: dict[str, str], name: str = "국민은행"
) -> dict[str, Any]:
    response = await client.post(ADMIN, json={"name": name}, headers=operator)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    operator: dict[str, str],
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    return await client.request(method, path, json=body, headers=operator)


async def signer(client: httpx.AsyncClient, database: Database, name: str = "김서연") -> Person:
    who = await someone(client, database, name)
    await issue(client, who)
    return who


def ask_body(who: Person, **changes: Any) -> dict[str, Any]:
    return {
        "phone": who.phone,
        "name": who.name,
        "birth_date": "1990-05-17",
        "title": "대출 약정서",
        "text": "I agree. 동의합니다.",
        "expires_in": 600,
        **changes,
    }


async def ask(client: httpx.AsyncClient, key: str, who: Person, **changes: Any) -> httpx.Response:
    return await client.post(ASK, json=ask_body(who, **changes), headers=bearer(key))


async def asked(client: httpx.AsyncClient, key: str, who: Person, **changes: Any) -> str:
    response = await ask(client, key, who, **changes)
    assert response.status_code == 201, response.text
    return str(response.json()["receipt_id"])


async def answer(client: httpx.AsyncClient, who: Person, receipt: str, how: str) -> httpx.Response:
    body = {"pin": CERT_PIN} if how == "approve" else None
    return await client.post(
        f"/api/v1/sign-requests/{receipt}/{how}", json=body, headers=who.headers
    )


async def collect(client: httpx.AsyncClient, key: str, receipt: str) -> httpx.Response:
    return await client.post(f"{ASK}/{receipt}/result", headers=bearer(key))


async def stored(database: Database) -> list[tuple[Any, ...]]:
    """Every institution as stored: what a refused call must leave alone."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(
                Institution.id, Institution.name, Institution.status, Institution.api_key_hash
            ).order_by(Institution.id)
        )
        return [tuple(row) for row in rows]


async def request_states(database: Database) -> dict[str, str]:
    async with database.transaction() as session:
        rows = await session.execute(select(SignRequest.receipt_id, SignRequest.status))
        return {receipt: status for receipt, status in rows}


@pytest.fixture
async def operator(client: httpx.AsyncClient, database: Database) -> dict[str, str]:
    return await operator_headers(client, database)


class TestAccess:
    async def test_signed_out_callers_get_401_everywhere(self, client, operator, database):
        await create(client, operator)
        before = await stored(database)
        for method, path, body in ROUTES:
            response = await client.request(method, path, json=body)
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "NotSignedIn", (method, path)
        assert await stored(database) == before

    async def test_users_who_are_not_operators_get_403_everywhere(self, client, operator, database):
        await create(client, operator)
        user = await someone(client, database)
        before = await stored(database)
        for method, path, body in ROUTES:
            response = await call(client, method, path, user.headers, body)
            assert response.status_code == 403, (method, path)
            assert response.json()["error"] == "OperatorOnly", (method, path)
        assert await stored(database) == before

    async def test_an_institution_key_is_no_operator_session(self, client, operator, database):
        key = (await create(client, operator))["api_key"]
        before = await stored(database)
        for method, path, body in ROUTES:
            response = await call(client, method, path, bearer(key), body)
            assert response.status_code == 401, (method, path)
        assert await stored(database) == before

    async def test_an_unknown_id_is_404(self, client, operator, database):
        await create(client, operator)
        before = await stored(database)
        for method, path, body in ROUTES[2:]:
            response = await call(client, method, path.replace("/1", "/999"), operator, body)
            assert response.status_code == 404, (method, path)
            assert response.json()["error"] == "InstitutionNotFound"
        assert await stored(database) == before

    async def test_a_malformed_id_is_422(self, client, operator, database):
        await create(client, operator)
        before = await stored(database)
        for bad in ("0", "-1", "abc", "1.5", str(2**63), "9" * 30):
            for method, path, body in ROUTES[2:]:
                response = await call(client, method, path.replace("/1", f"/{bad}"), operator, body)
                assert response.status_code == 422, (method, path, bad)
        assert await stored(database) == before


class TestCreateAndRead:
    async def test_the_key_is_shown_once_and_only_its_hash_kept(self, client, operator, database):
        made = await create(client, operator, "  국민   은행 ")
        assert made["name"] == "국민 은행"
        assert made["status"] == "active"
        assert made["api_key"].startswith("inst_")
        [(_, _, _, key_hash)] = await stored(database)
        assert key_hash == hashlib.sha256(made["api_key"].encode()).hexdigest()
        one = await client.get(f"{ADMIN}/{made['id']}", headers=operator)
        listed = await client.get(ADMIN, headers=operator)
        for response in (one, listed):
            assert response.status_code == 200
            assert made["api_key"] not in response.text
            assert "api_key" not in response.text

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"name": ""},
            {"name": "   "},
            {"name": "가" * 101},
            {"name": None},
            {"name": 12},
            {"name": ["국민은행"]},
            {"name": "국민\x00은행"},
            {"name": "국민\u200b은행"},
            {"name": "국민\u202e은행"},
            {"name": "국민은행", "api_key": "inst_mine"},
        ],
    )
    async def test_bad_names_are_422_and_create_nothing(self, client, operator, database, body):
        response = await client.post(ADMIN, json=body, headers=operator)
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "ValidationError"
        assert await stored(database) == []

    async def test_a_name_already_used_is_409(self, client, operator, database):
        await create(client, operator, "KB Bank")
        before = await stored(database)
        for name in ("KB Bank", "kb bank", "  KB   BANK  "):
            response = await client.post(ADMIN, json={"name": name}, headers=operator)
            assert response.status_code == 409, name
            assert response.json()["error"] == "InstitutionNameTaken"
        assert await stored(database) == before

    async def test_two_operators_adding_one_name_at_once_make_one(self, client, operator, database):
        responses = await asyncio.gather(
            *(client.post(ADMIN, json={"name": "동시은행"}, headers=operator) for _ in range(4))
        )
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
        assert len(await stored(database)) == 1

    async def test_the_list_counts_each_institutions_requests_by_state(
        self, client, operator, database, fake_clock: FakeClock
    ):
        bank = await create(client, operator, "국민은행")
        insurer = await create(client, operator, "삼성화재")
        who = await signer(client, database)
        signed = await asked(client, bank["api_key"], who)
        assert (await answer(client, who, signed, "approve")).status_code == 200
        collected = await asked(client, bank["api_key"], who)
        assert (await answer(client, who, collected, "approve")).status_code == 200
        assert (await collect(client, bank["api_key"], collected)).status_code == 200
        rejected = await asked(client, bank["api_key"], who)
        assert (await answer(client, who, rejected, "reject")).status_code == 200
        await asked(client, bank["api_key"], who, expires_in=10)  # never answered
        await asked(client, bank["api_key"], who, expires_in=1000)
        await asked(client, insurer["api_key"], who, expires_in=1000)
        fake_clock.advance(seconds=11)  # the 10-second one is past, still "pending" as stored

        response = await client.get(ADMIN, headers=operator)
        assert response.status_code == 200
        page = response.json()
        assert page["total"] == 2
        assert [item["name"] for item in page["items"]] == ["삼성화재", "국민은행"]
        assert page["items"][1]["requests"] == {
            "pending": 1,
            "signed": 1,
            "collected": 1,
            "rejected": 1,
            "expired": 1,
            "total": 5,
        }
        assert page["items"][0]["requests"]["pending"] == 1
        assert page["items"][0]["requests"]["total"] == 1
        one = await client.get(f"{ADMIN}/{bank['id']}", headers=operator)
        assert one.json()["requests"] == page["items"][1]["requests"]
        assert one.json()["created_at"].endswith("Z") or "+00:00" in one.json()["created_at"]

    async def test_the_list_filters_and_pages(self, client, operator):
        made = [await create(client, operator, f"기관 {n}") for n in range(3)]
        await client.post(f"{ADMIN}/{made[0]['id']}/suspend", headers=operator)
        suspended = await client.get(ADMIN, params={"status": "suspended"}, headers=operator)
        assert [i["id"] for i in suspended.json()["items"]] == [made[0]["id"]]
        assert suspended.json()["total"] == 1
        second = await client.get(ADMIN, params={"limit": 1, "offset": 1}, headers=operator)
        assert [i["id"] for i in second.json()["items"]] == [made[1]["id"]]
        assert second.json()["total"] == 3
        for params in (
            {"status": "deleted"},
            {"limit": 0},
            {"limit": 101},
            {"offset": -1},
            {"limit": "ten"},
        ):
            response = await client.get(ADMIN, params=params, headers=operator)
            assert response.status_code == 422, params


class TestSuspend:
    async def test_the_key_is_refused_at_once_like_an_unknown_key(self, client, operator, database):
        made = await create(client, operator)
        who = await signer(client, database)
        pending = await asked(client, made["api_key"], who)
        signed = await asked(client, made["api_key"], who)
        assert (await answer(client, who, signed, "approve")).status_code == 200

        response = await client.post(f"{ADMIN}/{made['id']}/suspend", headers=operator)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "suspended"
        assert response.json()["requests"]["pending"] == 0
        assert response.json()["requests"]["expired"] == 1

        unknown = await ask(client, "inst_" + "0" * 48, who)
        refused = [
            await ask(client, made["api_key"], who),
            await client.get(f"{ASK}/{pending}", headers=bearer(made["api_key"])),
            await collect(client, made["api_key"], signed),
        ]
        for answer_ in refused:
            assert answer_.status_code == 401
            assert answer_.json() == unknown.json()
        # what was pending has ended: the user can no longer sign it
        assert (await answer(client, who, pending, "approve")).status_code == 410
        mine = await client.get("/api/v1/sign-requests", headers=who.headers)
        assert mine.json()["items"] == []
        assert await request_states(database) == {pending: "expired", signed: "signed"}

    async def test_twice_is_409_and_reactivating_gives_the_key_back(
        self, client, operator, database
    ):
        made = await create(client, operator)
        who = await signer(client, database)
        signed = await asked(client, made["api_key"], who)
        assert (await answer(client, who, signed, "approve")).status_code == 200
        assert (await client.post(f"{ADMIN}/{made['id']}/suspend", headers=operator)).is_success
        before = await stored(database)
        again = await client.post(f"{ADMIN}/{made['id']}/suspend", headers=operator)
        assert again.status_code == 409
        assert again.json()["error"] == "InstitutionNotActive"
        assert await stored(database) == before

        back = await client.post(f"{ADMIN}/{made['id']}/reactivate", headers=operator)
        assert back.status_code == 200
        assert back.json()["status"] == "active"
        # within its 10 minutes, the signature suspended meanwhile can be collected now
        assert (await collect(client, made["api_key"], signed)).status_code == 200
        assert (await ask(client, made["api_key"], who)).status_code == 201

        before = await stored(database)
        twice = await client.post(f"{ADMIN}/{made['id']}/reactivate", headers=operator)
        assert twice.status_code == 409
        assert twice.json()["error"] == "InstitutionNotSuspended"
        assert await stored(database) == before

    async def test_two_operators_suspending_at_once_one_wins(self, client, operator, database):
        made = await create(client, operator)
        responses = await asyncio.gather(
            *(client.post(f"{ADMIN}/{made['id']}/suspend", headers=operator) for _ in range(3))
        )
        assert sorted(r.status_code for r in responses) == [200, 409, 409]
        assert [row[2] for row in await stored(database)] == ["suspended"]

    async def test_requests_racing_a_suspension_never_stay_pending(
        self, client, operator, database
    ):
        made = await create(client, operator)
        who = await signer(client, database)
        suspend = client.post(f"{ADMIN}/{made['id']}/suspend", headers=operator)
        responses = await asyncio.gather(
            *(ask(client, made["api_key"], who) for _ in range(3)),
            suspend,
            *(ask(client, made["api_key"], who) for _ in range(3)),
        )
        assert responses[3].status_code == 200
        asks = responses[:3] + responses[4:]
        assert {r.status_code for r in asks} <= {201, 401}
        created = [r.json()["receipt_id"] for r in asks if r.status_code == 201]
        states = await request_states(database)
        assert sorted(states) == sorted(created)
        assert set(states.values()) <= {"expired"}  # made before the suspension, ended by it

    async def test_other_institutions_are_untouched(self, client, operator, database):
        bank = await create(client, operator, "국민은행")
        insurer = await create(client, operator, "삼성화재")
        who = await signer(client, database)
        theirs = await asked(client, insurer["api_key"], who)
        await client.post(f"{ADMIN}/{bank['id']}/suspend", headers=operator)
        assert (await request_states(database))[theirs] == "pending"
        assert (await answer(client, who, theirs, "approve")).status_code == 200
        assert (await collect(client, insurer["api_key"], theirs)).status_code == 200


class TestRotateKey:
    async def test_the_new_key_works_and_the_old_is_refused_at_once(
        self, client, operator, database
    ):
        made = await create(client, operator)
        who = await signer(client, database)
        earlier = await asked(client, made["api_key"], who)
        assert (await answer(client, who, earlier, "approve")).status_code == 200

        response = await client.post(f"{ADMIN}/{made['id']}/rotate-key", headers=operator)
        assert response.status_code == 200, response.text
        new_key = response.json()["api_key"]
        assert new_key.startswith("inst_")
        assert new_key != made["api_key"]
        [(_, _, status, key_hash)] = await stored(database)
        assert status == "active"
        assert key_hash == hashlib.sha256(new_key.encode()).hexdigest()

        old = await ask(client, made["api_key"], who)
        assert old.status_code == 401
        assert old.json()["error"] == "InstitutionUnauthorized"
        assert (await collect(client, made["api_key"], earlier)).status_code == 401
        # the new key sees the institution's requests, the earlier ones included
        assert (await collect(client, new_key, earlier)).status_code == 200
        assert (await ask(client, new_key, who)).status_code == 201
        shown = await client.get(f"{ADMIN}/{made['id']}", headers=operator)
        assert new_key not in shown.text

    async def test_a_suspended_institution_gets_a_key_that_works_once_reactivated(
        self, client, operator, database
    ):
        made = await create(client, operator)
        who = await signer(client, database)
        await client.post(f"{ADMIN}/{made['id']}/suspend", headers=operator)
        rotated = await client.post(f"{ADMIN}/{made['id']}/rotate-key", headers=operator)
        assert rotated.status_code == 200
        assert rotated.json()["status"] == "suspended"
        new_key = rotated.json()["api_key"]
        assert (await ask(client, new_key, who)).status_code == 401
        await client.post(f"{ADMIN}/{made['id']}/reactivate", headers=operator)
        assert (await ask(client, new_key, who)).status_code == 201
        assert (await ask(client, made["api_key"], who)).status_code == 401


class TestRename:
    async def test_the_new_name_is_what_users_see(self, client, operator, database):
        made = await create(client, operator, "국민은행")
        who = await signer(client, database)
        await asked(client, made["api_key"], who)
        response = await client.patch(
            f"{ADMIN}/{made['id']}", json={"name": " KB국민은행 "}, headers=operator
        )
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "KB국민은행"
        assert response.json()["requests"]["pending"] == 1
        mine = await client.get("/api/v1/sign-requests", headers=who.headers)
        assert [item["institution"] for item in mine.json()["items"]] == ["KB국민은행"]
        same = await client.patch(
            f"{ADMIN}/{made['id']}", json={"name": "kb국민은행"}, headers=operator
        )
        assert same.status_code == 200  # its own name, in another case, is not taken

    async def test_bad_or_taken_names_change_nothing(self, client, operator, database):
        made = await create(client, operator, "국민은행")
        await create(client, operator, "삼성화재")
        before = await stored(database)
        path = f"{ADMIN}/{made['id']}"
        for body in ({}, {"name": ""}, {"name": " "}, {"name": "가" * 101}, {"name": "a\x07"}):
            response = await client.patch(path, json=body, headers=operator)
            assert response.status_code == 422, body
        taken = await client.patch(path, json={"name": "삼성화재"}, headers=operator)
        assert taken.status_code == 409
        assert taken.json()["error"] == "InstitutionNameTaken"
        assert await stored(database) == before


class TestNoLeftovers:
    async def test_a_refused_suspend_leaves_requests_alone(self, client, operator, database):
        made = await create(client, operator)
        who = await signer(client, database)
        await asked(client, made["api_key"], who)
        states = await request_states(database)
        async with database.transaction() as session:
            await identity.sign_up(
                session,
                "010-7777-0001",
                "이운영",
                date(1980, 1, 1),
                "pass-word-1",
                is_operator=False,
            )
        user = await client.post(
            "/api/v1/sessions", json={"phone": "010-7777-0001", "password": "pass-word-1"}
        )
        headers = {"Authorization": f"Bearer {user.json()['token']}"}
        refused = await client.post(f"{ADMIN}/{made['id']}/suspend", headers=headers)
        assert refused.status_code == 403
        assert await request_states(database) == states
        async with database.transaction() as session:
            count = (await session.execute(select(func.count(SignRequest.id)))).scalar_one()
        assert count == 1


class TestGivenKey:
    """Only the demo data gives its own (published) key; a malformed one is refused."""

    async def test_a_given_key_is_used_and_a_malformed_one_refused(self, client, database):
        async with database.transaction() as session:
            made = await institutions.create(session, "이지은행", api_key="inst_" + "d" * 40)
        assert made.api_key == "inst_" + "d" * 40
        response = await client.get(f"{ASK}/SR0000", headers=bearer(made.api_key))
        assert response.status_code == 404  # accepted; there is no such receipt
        for bad in ("d" * 45, "inst_short", "inst_" + "d" * 100):
            with pytest.raises(InvalidInput):
                async with database.transaction() as session:
                    await institutions.create(session, "다른은행", api_key=bad)
        assert len(await stored(database)) == 1
