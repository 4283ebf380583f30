"""The HTTP idempotency layer, declared on a test endpoint that moves money in the ledger.

The endpoint is mounted on a real `create_app(...)` (its error handlers and replay handler), with
a small dependency standing in for authentication: it names the caller from a header and sets
`request.state.idempotency_scope`, as `CurrentUser` does.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from pydantic import BaseModel, Field

from easypay.app import create_app
from easypay.db import DbSession
from easypay.errors import Conflict
from easypay.idempotency import service as idempotency
from easypay.idempotency.dependencies import REPLAY_HEADER, Idempotent, idempotent
from easypay.identity.dependencies import CurrentUser
from easypay.kit.crypto import sha256_hex
from easypay.ledger import service as ledger
from easypay.ledger.schemas import TransferRequest
from tests.identity.builders import signed_up_user
from tests.ledger.builders import balance, fund, open_wallet

PAYMENTS = "/test/payments"


class PaymentCreate(BaseModel):
    payer: int = Field(description="Wallet to debit.")
    payee: int = Field(description="Wallet to credit.")
    amount: int = Field(gt=0, description="KRW.")
    reference: str = Field("", description="Names the call in the test's execution log.")
    fail_first: int = Field(0, description="Fail this many executions before succeeding.")
    pause: float = Field(0, description="Seconds to spend inside the endpoint.")


class PaymentRead(BaseModel):
    transfer_id: int
    amount: int
    caller: str
    execution: int


async def _caller(request: Request, x_caller: Annotated[str, Header()]) -> str:
    request.state.idempotency_scope = f"test:{x_caller}"
    return x_caller


Caller = Annotated[str, Depends(_caller)]


class Boom(Conflict):
    code = "Boom"
    message = "The test endpoint failed on purpose."


def payments_router(executions: list[tuple[str, str]]) -> APIRouter:
    router = APIRouter()

    async def pay(body: PaymentCreate, caller: str, db) -> PaymentRead:
        executions.append((caller, body.reference))
        made = await ledger.transfer(
            db, TransferRequest(body.payer, body.payee, body.amount, "test_payment")
        )
        if body.pause:
            await asyncio.sleep(body.pause)
        if Counter(executions)[(caller, body.reference)] <= body.fail_first:
            raise Boom()
        return PaymentRead(
            transfer_id=made.id, amount=body.amount, caller=caller, execution=len(executions)
        )

    @router.post(PAYMENTS, status_code=201)
    @idempotent
    async def create_payment(
        body: PaymentCreate, caller: Caller, idem: Idempotent, db: DbSession
    ) -> PaymentRead:
        return await pay(body, caller, db)

    @router.post("/test/other-payments", status_code=201)
    @idempotent
    async def create_other_payment(
        body: PaymentCreate, caller: Caller, idem: Idempotent, db: DbSession
    ) -> PaymentRead:
        return await pay(body, caller, db)

    @router.post("/test/user-payments", status_code=201)
    @idempotent
    async def create_user_payment(
        body: PaymentCreate, user: CurrentUser, idem: Idempotent, db: DbSession
    ) -> PaymentRead:
        return await pay(body, f"user-{user.id}", db)

    return router


@pytest.fixture(scope="module")
async def idempotent_app(settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"mount_sandbox": False}))
    app.state.executions = []
    app.include_router(payments_router(app.state.executions))
    yield app
    await app.state.database.dispose()


@pytest.fixture
async def api(idempotent_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    idempotent_app.state.executions.clear()
    transport = httpx.ASGITransport(app=idempotent_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def executions(idempotent_app: FastAPI) -> list[tuple[str, str]]:
    return idempotent_app.state.executions


async def pay(
    api: httpx.AsyncClient, body: dict, key: str | None = "key-1", caller: str = "alice"
) -> httpx.Response:
    headers = {"X-Caller": caller, "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await api.post(PAYMENTS, content=json.dumps(body).encode(), headers=headers)


async def wallets(database, payer_balance: int = 10_000) -> tuple[int, int]:
    return await open_wallet(database, payer_balance), await open_wallet(database)


def error_of(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    return str(body["error"])


class TestReplay:
    async def test_same_key_and_body_answers_the_same_and_moves_money_once(
        self, api, database, executions
    ):
        payer, payee = await wallets(database)
        body = {"payer": payer, "payee": payee, "amount": 1_000}
        first = await pay(api, body)
        again = await pay(api, body)
        assert first.status_code == again.status_code == 201
        assert REPLAY_HEADER not in first.headers
        assert again.headers[REPLAY_HEADER] == "true"
        assert again.json() == first.json()
        assert len(executions) == 1
        assert (await balance(database, payer)).posted == 9_000
        assert (await balance(database, payee)).posted == 1_000

    async def test_many_sequential_retries_replay(self, api, database, executions):
        payer, payee = await wallets(database)
        body = {"payer": payer, "payee": payee, "amount": 1_000}
        answers = [await pay(api, body) for _ in range(5)]
        assert len({a.json()["transfer_id"] for a in answers}) == 1
        assert len(executions) == 1
        assert (await balance(database, payer)).posted == 9_000

    async def test_same_key_with_another_body_is_409(self, api, database, executions):
        payer, payee = await wallets(database)
        await pay(api, {"payer": payer, "payee": payee, "amount": 1_000})
        response = await pay(api, {"payer": payer, "payee": payee, "amount": 2_000})
        assert response.status_code == 409
        assert error_of(response) == "IdempotencyKeyReused"
        assert len(executions) == 1
        assert (await balance(database, payer)).posted == 9_000

    async def test_another_key_is_another_payment(self, api, database, executions):
        payer, payee = await wallets(database)
        body = {"payer": payer, "payee": payee, "amount": 1_000}
        await pay(api, body, key="key-1")
        await pay(api, body, key="key-2")
        assert len(executions) == 2
        assert (await balance(database, payer)).posted == 8_000


class TestConcurrentDuplicates:
    async def test_one_execution_for_ten_concurrent_calls(self, api, database, executions):
        payer, payee = await wallets(database)
        body = {"payer": payer, "payee": payee, "amount": 1_000, "pause": 0.2}
        responses = await asyncio.gather(*(pay(api, body) for _ in range(10)))
        assert len(executions) == 1
        originals = [
            r for r in responses if r.status_code == 201 and REPLAY_HEADER not in r.headers
        ]
        assert len(originals) == 1
        for response in responses:
            if response.status_code == 201:
                assert response.json() == originals[0].json()
            else:
                assert response.status_code == 409
                assert error_of(response) == "IdempotencyInProgress"
        assert (await balance(database, payer)).posted == 9_000
        # once the first call is done, a retry is a replay
        retry = await pay(api, body)
        assert retry.headers[REPLAY_HEADER] == "true"


class TestScope:
    async def test_two_callers_with_one_key_get_two_executions(self, api, database, executions):
        alice, bob = await open_wallet(database, 5_000), await open_wallet(database, 5_000)
        shop = await open_wallet(database)
        from_alice = await pay(api, {"payer": alice, "payee": shop, "amount": 100}, caller="alice")
        from_bob = await pay(api, {"payer": bob, "payee": shop, "amount": 300}, caller="bob")
        assert from_alice.status_code == from_bob.status_code == 201
        assert REPLAY_HEADER not in from_bob.headers
        assert from_bob.json()["caller"] == "bob"
        assert from_bob.json()["transfer_id"] != from_alice.json()["transfer_id"]
        assert len(executions) == 2
        assert (await balance(database, shop)).posted == 400

    async def test_a_caller_never_gets_another_callers_answer(self, api, database, executions):
        payer, payee = await wallets(database)
        body = {"payer": payer, "payee": payee, "amount": 100}
        first = await pay(api, body, caller="alice")
        second = await pay(api, body, caller="mallory")  # the very same request, another caller
        assert REPLAY_HEADER not in second.headers
        assert second.json()["caller"] == "mallory"
        assert second.json()["transfer_id"] != first.json()["transfer_id"]

    async def test_one_key_on_two_endpoints_gets_two_executions(self, api, database, executions):
        payer, payee = await wallets(database)
        body = json.dumps({"payer": payer, "payee": payee, "amount": 100}).encode()
        headers = {"X-Caller": "alice", "Idempotency-Key": "k", "Content-Type": "application/json"}
        first = await api.post(PAYMENTS, content=body, headers=headers)
        second = await api.post("/test/other-payments", content=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert REPLAY_HEADER not in second.headers
        assert len(executions) == 2

    async def test_signed_in_users_are_scoped_apart(self, api, client, database, executions):
        kim, lee = await signed_up_user(client), await signed_up_user(client)
        payer, payee = await wallets(database)
        body = json.dumps({"payer": payer, "payee": payee, "amount": 100}).encode()
        answers = []
        for user in (kim, lee, kim):
            headers = {
                **user.headers,
                "Idempotency-Key": "same",
                "Content-Type": "application/json",
            }
            answers.append(await api.post("/test/user-payments", content=body, headers=headers))
        assert [a.status_code for a in answers] == [201, 201, 201]
        assert [a.headers.get(REPLAY_HEADER) for a in answers] == [None, None, "true"]
        assert answers[2].json() == answers[0].json()
        assert len(executions) == 2

    async def test_anonymous_callers_of_a_user_endpoint_are_401(self, api, database, executions):
        response = await api.post(
            "/test/user-payments",
            json={"payer": 1, "payee": 2, "amount": 100},
            headers={"Idempotency-Key": "k"},
        )
        assert response.status_code == 401
        assert executions == []


class TestKeyRequired:
    @pytest.mark.parametrize(
        "key",
        [None, "", "has space", "x" * 256, "키", "tab\tkey"],
        ids=["missing", "empty", "space", "too-long", "non-ascii", "tab"],
    )
    async def test_missing_or_invalid_key_is_400(self, api, database, executions, key):
        payer, payee = await wallets(database)
        headers = {"X-Caller": "alice"}
        if key is not None:
            headers["Idempotency-Key"] = key
        try:
            response = await api.post(
                PAYMENTS, json={"payer": payer, "payee": payee, "amount": 100}, headers=headers
            )
        except UnicodeEncodeError:  # httpx refuses a non-ASCII header itself
            return
        assert response.status_code == 400
        assert error_of(response) == "IdempotencyKeyMissing"
        assert executions == []
        assert (await balance(database, payer)).posted == 10_000

    async def test_the_longest_key_is_accepted(self, api, database, executions):
        payer, payee = await wallets(database)
        response = await pay(api, {"payer": payer, "payee": payee, "amount": 100}, key="k" * 255)
        assert response.status_code == 201


class TestFailures:
    async def test_a_failing_call_releases_the_key_and_changes_nothing(
        self, api, database, executions
    ):
        payer, payee = await wallets(database)
        body = {"payer": payer, "payee": payee, "amount": 1_000, "fail_first": 1}
        failed = await pay(api, body)
        assert failed.status_code == 409
        assert error_of(failed) == "Boom"
        assert (await balance(database, payer)).posted == 10_000  # rolled back
        retried = await pay(api, body)
        assert retried.status_code == 201
        assert REPLAY_HEADER not in retried.headers
        assert len(executions) == 2
        assert (await balance(database, payer)).posted == 9_000

    async def test_a_refused_payment_can_be_retried_once_it_can_succeed(
        self, api, database, executions
    ):
        payer, payee = await wallets(database, payer_balance=500)
        body = {"payer": payer, "payee": payee, "amount": 1_000}
        refused = await pay(api, body)
        assert refused.status_code == 402
        assert error_of(refused) == "InsufficientFunds"
        await fund(database, payer, 500)
        assert (await pay(api, body)).status_code == 201
        assert (await balance(database, payee)).posted == 1_000

    async def test_an_abandoned_claim_is_taken_over_after_its_lease(
        self, api, database, executions, fake_clock
    ):
        payer, payee = await wallets(database)
        body = json.dumps({"payer": payer, "payee": payee, "amount": 1_000}).encode()
        # A first call claimed the key and then its process died.
        request_hash = sha256_hex(PAYMENTS.encode() + b"\n" + b"\n" + body)
        await idempotency.begin(database, "test:alice", f"POST {PAYMENTS}", "key-1", request_hash)
        headers = {"X-Caller": "alice", "Idempotency-Key": "key-1"}
        headers["Content-Type"] = "application/json"

        busy = await api.post(PAYMENTS, content=body, headers=headers)
        assert busy.status_code == 409
        assert error_of(busy) == "IdempotencyInProgress"
        assert executions == []

        fake_clock.advance(seconds=idempotency.LEASE.total_seconds() + 1)
        taken_over = await api.post(PAYMENTS, content=body, headers=headers)
        assert taken_over.status_code == 201
        assert REPLAY_HEADER not in taken_over.headers
        replay = await api.post(PAYMENTS, content=body, headers=headers)
        assert replay.headers[REPLAY_HEADER] == "true"
        assert len(executions) == 1
        assert (await balance(database, payer)).posted == 9_000

    async def test_another_body_on_an_abandoned_claim_is_still_409(
        self, api, database, executions, fake_clock
    ):
        await idempotency.begin(database, "test:alice", f"POST {PAYMENTS}", "key-1", "0" * 64)
        fake_clock.advance(minutes=5)
        payer, payee = await wallets(database)
        response = await pay(api, {"payer": payer, "payee": payee, "amount": 1_000})
        assert response.status_code == 409
        assert error_of(response) == "IdempotencyKeyReused"
        assert executions == []

    async def test_a_malformed_request_does_not_use_up_the_key(self, api, database, executions):
        payer, payee = await wallets(database)
        malformed = await pay(api, {"payer": payer, "payee": payee, "amount": "lots"})
        assert malformed.status_code == 422
        corrected = await pay(api, {"payer": payer, "payee": payee, "amount": 1_000})
        assert corrected.status_code == 201, corrected.text
        assert len(executions) == 1

    async def test_a_repeated_malformed_request_is_422_again(self, api, database, executions):
        payer, payee = await wallets(database)
        body = {"payer": payer, "payee": payee, "amount": -5}
        assert (await pay(api, body)).status_code == 422
        again = await pay(api, body)
        assert again.status_code == 422, again.text
