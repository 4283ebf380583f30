"""Property-based fuzzing of the whole HTTP API from its own OpenAPI description (schemathesis).

Signed in as a user (PIN set, bank account linked, Pay Money charged), an operator, a merchant
with either key form (legacy `KakaoAK <admin key>`, current `SECRET_KEY <secret key>`), an
institution (`Bearer inst_...`) and nobody: every answer is no 5xx, has a documented status
code and content type, and a body matching the documented schema; positive and negative data.
The ledger is verified after each test by the suite's conftest.

The CI run is short (EASYPAY_FUZZ_EXAMPLES, default 4 per operation, role and mode); for a long
run: `EASYPAY_FUZZ_EXAMPLES=200 .venv/bin/pytest -q tests/attack/test_fuzz_api.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from easypay.db import Database
from easypay.kit.clock import FakeClock
from tests.attack import fuzzing
from tests.attack.matrix_world import Matrix
from tests.attack.matrix_world import build as build_matrix
from tests.attack.world import World, build

Wanted = Callable[[str, str], bool]
PARAMETER = re.compile(r"{([^}]+)}")

SIGNED_ELSEWHERE = (
    "/api/v1/pos/",
    "/api/v1/merchant/",
    "/api/v1/institution/",
    "/api/v1/admin/",
)
# Run last: they end the session or may lock the PIN the other calls need.
LAST = ("/api/v1/me/pin", "/api/v1/sessions")


def _user_api(method: str, path: str) -> bool:
    return path.startswith("/api/v1/") and not path.startswith(SIGNED_ELSEWHERE)


def _admin(method: str, path: str) -> bool:
    return path.startswith("/api/v1/admin/")


def _merchant_legacy(method: str, path: str) -> bool:
    return path.startswith(("/v1/payment/", "/api/v1/merchant/"))


def _merchant_current(method: str, path: str) -> bool:
    return path.startswith(("/online/v1/payment/", "/api/v1/pos/", "/api/v1/merchant/"))


def _institution(method: str, path: str) -> bool:
    return path.startswith("/api/v1/institution/")


def _everything(method: str, path: str) -> bool:
    return True


def _ordered(found: list[Any]) -> list[Any]:
    def rank(operation: Any) -> tuple[int, int, str]:
        last = operation.path.startswith(LAST)
        ends_session = operation.path == "/api/v1/sessions/current"
        return (int(last), int(ends_session), f"{operation.path} {operation.method}")

    return sorted(found, key=rank)


ROLES: dict[str, tuple[Wanted, Callable[[World], Mapping[str, str]]]] = {
    "user": (_user_api, lambda world: world.alice.headers),
    "operator": (_admin, lambda world: world.operator),
    "merchant-kakaoak": (_merchant_legacy, lambda world: world.shop.legacy),
    "merchant-secret-key": (_merchant_current, lambda world: world.shop.current),
    "institution": (_institution, lambda world: world.institution()),
    "anonymous": (_everything, lambda world: {}),
}


@pytest.fixture(scope="module")
def schema(app: FastAPI) -> Any:
    return fuzzing.load(app.openapi())


@pytest.mark.parametrize("role", list(ROLES))
async def test_no_5xx_and_every_answer_matches_the_schema(
    role: str, app: FastAPI, client: httpx.AsyncClient, database: Database, schema: Any
) -> None:
    wanted, headers_of = ROLES[role]
    world = await build(app, client, database)
    targets = _ordered(fuzzing.operations(schema, wanted))
    assert targets, f"no operation for {role}"
    report = fuzzing.Report()
    await fuzzing.fuzz(client, schema, targets, lambda: headers_of(world), report)
    print(
        f"\n### fuzz {role}: {report.operations} operations, {report.calls} calls, "
        f"statuses {dict(sorted(report.statuses.items()))}"
    )
    failures = list(report.failures)
    assert not failures, f"{len(failures)} failing operation(s):\n" + "\n".join(failures)
    assert report.calls >= len(targets)


# Path parameters bound to the owner's real resources (the matrix's world), so that the fuzzed
# queries and bodies reach past "not found" into the resources' own rules.
REAL_IDS: dict[str, str] = {
    "session_id": "session",
    "friend_user_id": "friend",
    "link_id": "link",
    "notification_id": "notification",
    "transfer_id": "transfer_in",
    "request_id": "request",
    "card_id": "card",
    "certificate_id": "certificate",
    "receipt_id": "receipt",
    "pos_request_id": "pos",
    "settlement_id": "settlement",
    "msg_id": "webhook_event",
    "merchant_id": "merchant",
    "institution_id": "institution",
    "user_id": "user",
}
BOUND_ROLES: dict[str, tuple[Wanted, Callable[[Matrix], Mapping[str, str]]]] = {
    "user": (_user_api, lambda world: world.alice.headers),
    "operator": (_admin, lambda world: world.operator),
    "merchant-secret-key": (_merchant_current, lambda world: world.shop.current),
    "institution": (
        _institution,
        lambda world: {"Authorization": f"Bearer {world.institution_key}"},
    ),
}


def _binder(world: Matrix) -> Callable[[str, str], dict[str, Any] | None]:
    def bind(method: str, path: str) -> dict[str, Any] | None:
        names = PARAMETER.findall(path)
        if not names:
            return None
        values = {}
        for name in names:
            key = REAL_IDS.get(name)
            if name == "operation_id":
                key = "bank_transfer" if "/bank-transfers/" in path else "operation"
            if key is None:
                return None
            values[name] = world.ids[key]
        return values

    return bind


@pytest.mark.parametrize("role", list(BOUND_ROLES))
async def test_fuzzing_the_owners_real_resources(
    role: str,
    app: FastAPI,
    client: httpx.AsyncClient,
    database: Database,
    schema: Any,
    fake_clock: FakeClock,
) -> None:
    wanted, headers_of = BOUND_ROLES[role]
    world = await build_matrix(app, client, database, fake_clock)
    try:
        targets = _ordered(
            [
                operation
                for operation in fuzzing.operations(schema, wanted)
                if PARAMETER.search(operation.path)
            ]
        )
        report = fuzzing.Report()
        await fuzzing.fuzz(
            client, schema, targets, lambda: headers_of(world), report, bind=_binder(world)
        )
    finally:
        for web in world.web.values():
            await web.client.aclose()
    print(
        f"\n### fuzz {role} on real ids: {report.operations} operations, {report.calls} calls, "
        f"statuses {dict(sorted(report.statuses.items()))}"
    )
    assert not report.failures, f"{len(report.failures)} failing operation(s):\n" + "\n".join(
        report.failures
    )
    assert report.calls >= len(targets)
