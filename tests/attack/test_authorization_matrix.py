"""The authorization matrix: every route of the app with a path parameter, classified; for each,
the owner gets its normal answer, another user's / merchant's / institution's id gets the very
answer of an id that does not exist (404, nothing revealed), anonymous calls get 401 (API) or the
sign-in page (web), and operator-only routes give everyone else 403.

The list of routes comes from `app.routes`: a new route with a path parameter that is not in
`ROUTES` fails `test_every_route_with_a_path_parameter_is_classified`."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import select

from easypay.db import Database
from easypay.kit.clock import FakeClock
from easypay.models import (
    BankLink,
    BankOperation,
    Card,
    Certificate,
    Friend,
    Institution,
    LedgerAccount,
    LedgerTransfer,
    Merchant,
    MoneyRequest,
    MoneyRequestItem,
    Notification,
    OutboxJob,
    Payment,
    PersonTransfer,
    Settlement,
    SignRequest,
    WebhookEvent,
)
from easypay.models.base import table_of
from tests.attack.matrix_world import Matrix, Web, build, normalised
from tests.certificate.lifecycle_support import CERT_PIN
from tests.money.builders import PIN

NOBODY_INT = 987_654_321
NOBODY = {
    "tid": "T0000000000000000001",
    "pos": "pos-nobody-000001",
    "receipt": "ZZ99NOBODY00000000",
    "webhook_event": "msg_nobody0000000000000000",
}


@dataclass(frozen=True)
class Rule:
    """Who may call the route (`auth`), whose resource the id names (`key`, the owner's), who
    owns it (`owner`), and the body of the call."""

    auth: (
        str  # user | merchant | institution | operator | web | web-merchant | web-operator | public
    )
    key: str = ""
    owner: str = "alice"
    body: dict[str, Any] | None = None
    why: str = ""


def _u(key: str, owner: str = "alice", **body: Any) -> Rule:
    return Rule("user", key, owner, body or None)


def _w(key: str, owner: str = "alice") -> Rule:
    return Rule("web", key, owner)


CERT = {"payment_pin": PIN, "pin": "615243"}
ROUTES: dict[tuple[str, str], Rule] = {
    # --- API, bearer session ---
    ("DELETE", "/api/v1/sessions/{session_id}"): _u("session"),
    ("DELETE", "/api/v1/friends/{friend_user_id}"): _u("friend"),
    ("DELETE", "/api/v1/money/bank-links/{link_id}"): _u("link"),
    ("GET", "/api/v1/money/operations/{operation_id}"): _u("operation"),
    ("POST", "/api/v1/inbox/{notification_id}/read"): _u("notification"),
    ("GET", "/api/v1/transfers/{transfer_id}"): _u("transfer_in"),
    ("POST", "/api/v1/transfers/{transfer_id}/receive"): _u("transfer_in"),
    ("POST", "/api/v1/transfers/{transfer_id}/decline"): _u("transfer_in"),
    ("POST", "/api/v1/transfers/{transfer_id}/cancel"): _u("transfer_out"),
    ("GET", "/api/v1/bank-transfers/{operation_id}"): _u("bank_transfer"),
    ("GET", "/api/v1/money-requests/{request_id}"): _u("request"),
    ("POST", "/api/v1/money-requests/{request_id}/pay"): _u("request", "carol", pin=PIN),
    ("POST", "/api/v1/money-requests/{request_id}/decline"): _u("request", "carol"),
    ("POST", "/api/v1/money-requests/{request_id}/close"): _u("request"),
    ("GET", "/api/v1/cards/{card_id}"): _u("card"),
    ("DELETE", "/api/v1/cards/{card_id}"): _u("card"),
    ("POST", "/api/v1/certificates/{certificate_id}/renew"): _u("certificate", **CERT),
    ("POST", "/api/v1/certificates/{certificate_id}/reissue"): _u("certificate", **CERT),
    ("POST", "/api/v1/certificates/{certificate_id}/suspend"): _u("certificate"),
    ("POST", "/api/v1/certificates/{certificate_id}/restore"): _u("certificate", payment_pin=PIN),
    ("DELETE", "/api/v1/certificates/{certificate_id}"): _u("certificate", payment_pin=PIN),
    ("POST", "/api/v1/certificates/{certificate_id}/verify-pin"): _u("certificate", pin=CERT_PIN),
    ("GET", "/api/v1/sign-requests/{receipt_id}"): _u("receipt"),
    ("POST", "/api/v1/sign-requests/{receipt_id}/approve"): _u("receipt", pin=CERT_PIN),
    ("POST", "/api/v1/sign-requests/{receipt_id}/reject"): _u("receipt"),
    # --- API, merchant key ---
    ("GET", "/api/v1/pos/payments/{pos_request_id}"): Rule("merchant", "pos", "shop"),
    ("POST", "/api/v1/pos/payments/{pos_request_id}/cancel"): Rule(
        "merchant", "pos", "shop", {"cancel_request_id": "matrix-cancel-1"}
    ),
    ("GET", "/api/v1/merchant/settlements/{settlement_id}"): Rule("merchant", "settlement", "shop"),
    ("GET", "/api/v1/merchant/webhook/events/{msg_id}"): Rule("merchant", "webhook_event", "shop"),
    ("POST", "/api/v1/merchant/webhook/events/{msg_id}/resend"): Rule(
        "merchant", "webhook_event", "shop"
    ),
    # --- API, institution key ---
    ("GET", "/api/v1/institution/sign-requests/{receipt_id}"): Rule(
        "institution", "receipt", "institution"
    ),
    ("POST", "/api/v1/institution/sign-requests/{receipt_id}/result"): Rule(
        "institution", "receipt", "institution"
    ),
    # --- API, operators only ---
    ("POST", "/api/v1/admin/merchants/{merchant_id}/approve"): Rule("operator", "merchant"),
    ("POST", "/api/v1/admin/merchants/{merchant_id}/reject"): Rule("operator", "merchant"),
    ("POST", "/api/v1/admin/merchants/{merchant_id}/suspend"): Rule("operator", "merchant"),
    ("POST", "/api/v1/admin/merchants/{merchant_id}/reactivate"): Rule("operator", "merchant"),
    ("GET", "/api/v1/admin/institutions/{institution_id}"): Rule("operator", "institution"),
    ("PATCH", "/api/v1/admin/institutions/{institution_id}"): Rule(
        "operator", "institution", body={"name": "국민은행 본점"}
    ),
    ("POST", "/api/v1/admin/institutions/{institution_id}/suspend"): Rule(
        "operator", "institution"
    ),
    ("POST", "/api/v1/admin/institutions/{institution_id}/reactivate"): Rule(
        "operator", "institution"
    ),
    ("POST", "/api/v1/admin/institutions/{institution_id}/rotate-key"): Rule(
        "operator", "institution"
    ),
    ("PATCH", "/api/v1/admin/users/{user_id}"): Rule("operator", "user", body={"status": "active"}),
    # --- public ---
    ("GET", "/pki/crl/{generation}"): Rule("public", why="CRLs are published to everyone"),
    ("GET", "/checkout/{tid}"): Rule("public", why="the buyer's hosted checkout: signs in first"),
    ("POST", "/checkout/{tid}/pay"): Rule("public", why="the buyer's hosted checkout"),
    ("POST", "/checkout/{tid}/quit"): Rule("public", why="the buyer's hosted checkout"),
    # --- web pages, cookie session ---
    ("GET", "/operations/{operation_id}"): _w("operation"),
    ("GET", "/transfers/{transfer_id}"): _w("transfer_in"),
    ("POST", "/transfers/{transfer_id}/receive"): _w("transfer_in"),
    ("POST", "/transfers/{transfer_id}/decline"): _w("transfer_in"),
    ("POST", "/transfers/{transfer_id}/cancel"): _w("transfer_out"),
    ("GET", "/transfers/bank/{operation_id}"): _w("bank_transfer"),
    ("GET", "/requests/{request_id}"): _w("request"),
    ("POST", "/requests/{request_id}/pay"): _w("request", "carol"),
    ("POST", "/requests/{request_id}/decline"): _w("request", "carol"),
    ("POST", "/requests/{request_id}/close"): _w("request"),
    ("POST", "/inbox/{notification_id}/open"): _w("notification"),
    ("POST", "/accounts/{link_id}/unlink"): _w("link"),
    ("POST", "/sessions/{session_id}/revoke"): _w("session"),
    ("POST", "/friends/{friend_user_id}/remove"): _w("friend"),
    ("POST", "/cards/{card_id}/remove"): _w("card"),
    ("POST", "/certificates/{certificate_id}/renew"): _w("certificate"),
    ("POST", "/certificates/{certificate_id}/reissue"): _w("certificate"),
    ("POST", "/certificates/{certificate_id}/suspend"): _w("certificate"),
    ("POST", "/certificates/{certificate_id}/restore"): _w("certificate"),
    ("POST", "/certificates/{certificate_id}/delete"): _w("certificate"),
    ("GET", "/certificates/events/{event_id}"): _w("certificate_event"),
    ("GET", "/certificates/requests/{receipt_id}"): _w("receipt"),
    ("POST", "/certificates/requests/{receipt_id}/approve"): _w("receipt"),
    ("POST", "/certificates/requests/{receipt_id}/reject"): _w("receipt"),
    ("GET", "/merchant/payments/{tid}"): Rule("web-merchant", "tid", "shop_owner"),
    ("POST", "/merchant/payments/{tid}/cancel"): Rule("web-merchant", "tid", "shop_owner"),
    ("GET", "/merchant/settlements/{settlement_id}"): Rule(
        "web-merchant", "settlement", "shop_owner"
    ),
    ("POST", "/merchant/webhooks/events/{msg_id}/resend"): Rule(
        "web-merchant", "webhook_event", "shop_owner"
    ),
    ("POST", "/admin/users/{user_id}/status"): Rule("web-operator", "user"),
    ("POST", "/admin/merchants/{merchant_id}/approve"): Rule("web-operator", "merchant"),
    ("POST", "/admin/merchants/{merchant_id}/reject"): Rule("web-operator", "merchant"),
    ("POST", "/admin/merchants/{merchant_id}/suspend"): Rule("web-operator", "merchant"),
    ("POST", "/admin/merchants/{merchant_id}/reactivate"): Rule("web-operator", "merchant"),
    ("GET", "/admin/institutions/{institution_id}"): Rule("web-operator", "institution"),
    ("POST", "/admin/institutions/{institution_id}/suspend"): Rule("web-operator", "institution"),
    ("POST", "/admin/institutions/{institution_id}/reactivate"): Rule(
        "web-operator", "institution"
    ),
    ("POST", "/admin/institutions/{institution_id}/rotate-key"): Rule(
        "web-operator", "institution"
    ),
    ("POST", "/admin/institutions/{institution_id}/rename"): Rule("web-operator", "institution"),
}
# Destructive calls go last among the owners' calls (they end what the others read).
LAST = ("DELETE", "/delete", "/unlink", "/remove", "/revoke", "/cancel", "/close", "/suspend")
FIRST = ("/verify-pin", "/approve")
PARAM = re.compile(r"{([^}]+)}")


def routes_with_parameters(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not PARAM.search(path) or path.startswith(("/static", "/sandbox")):
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, path))
    return found


def test_every_route_with_a_path_parameter_is_classified(app: FastAPI) -> None:
    found = routes_with_parameters(app)
    assert found - set(ROUTES) == set(), "routes with an id that the matrix does not know"
    assert set(ROUTES) - found == set(), "the matrix names routes the app no longer has"
    assert all(rule.why for rule in ROUTES.values() if rule.auth == "public")


def _url(path: str, value: Any) -> str:
    return PARAM.sub(str(value), path, count=1)


def _nobody(key: str) -> Any:
    return NOBODY.get(key, NOBODY_INT)


class Caller:
    def __init__(self, world: Matrix, client: httpx.AsyncClient) -> None:
        self.world = world
        self.client = client

    def api_headers(self, auth: str, who: str) -> dict[str, str]:
        w = self.world
        if who == "anonymous":
            return {"Idempotency-Key": "matrix-anon"}
        if auth == "user" or auth == "operator":
            person = {"alice": w.alice, "bob": w.bob, "carol": w.carol}.get(who)
            if who == "operator":
                return {**w.operator, "Idempotency-Key": f"matrix-{id(self)}-{who}"}
            assert person is not None
            return person.with_key()
        if auth == "merchant":
            return (w.shop if who == "shop" else w.other_shop).current
        if auth == "institution":
            key = w.institution_key if who == "institution" else w.other_institution_key
            return {"Authorization": f"Bearer {key}"}
        raise AssertionError(auth)

    async def call(
        self, method: str, path: str, rule: Rule, who: str, value: Any
    ) -> httpx.Response:
        url = _url(path, value)
        if rule.auth.startswith("web"):
            web: Web = self.world.web[who]
            if method == "GET":
                return await web.client.get(url)
            await web.refresh(who == "anonymous")
            form = {
                "csrf_token": web.csrf,
                "pin": PIN,
                "payment_pin": PIN,
                "name": "국민은행2",
                "status": "active",
                "amount": "1000",
                "reason": "forgotten_pin",
                "new_pin": "615243",
                "new_pin_confirm": "615243",
            }
            return await web.client.post(url, data=form)
        if rule.auth == "web-anonymous":
            raise AssertionError(rule)
        headers = self.api_headers(rule.auth, who)
        return await self.client.request(method, url, headers=headers, json=rule.body)


# What another party's calls must leave as it was (sessions, rate-limit counters, idempotency
# records and audit events are the callers' own and may change).
WATCHED = (
    BankLink,
    BankOperation,
    Card,
    Certificate,
    Friend,
    LedgerAccount,
    LedgerTransfer,
    Merchant,
    MoneyRequest,
    MoneyRequestItem,
    Notification,
    OutboxJob,
    Payment,
    PersonTransfer,
    Settlement,
    SignRequest,
    WebhookEvent,
    Institution,
)


async def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    state: dict[str, list[tuple[Any, ...]]] = {}
    async with database.transaction() as session:
        for model in WATCHED:
            table = table_of(model)
            rows = (await session.execute(select(table).order_by(*table.primary_key))).all()
            state[model.__name__] = [tuple(row) for row in rows]
    return state


def _other(rule: Rule) -> str:
    return {
        "user": "bob",
        "web": "bob",
        "web-merchant": "other_owner",
        "merchant": "other_shop",
        "institution": "other_institution",
    }.get(rule.auth, "")


def _signed_in_elsewhere(response: httpx.Response) -> bool:
    location = response.headers.get("location", "")
    return response.status_code in (302, 303) and "/signin" in location


async def test_the_authorization_matrix(
    app: FastAPI, client: httpx.AsyncClient, database: Database, fake_clock: FakeClock
) -> None:
    world = await build(app, client, database, fake_clock)
    caller = Caller(world, client)
    problems: list[str] = []
    checked = 0

    def expect(ok: bool, what: str, response: httpx.Response) -> None:
        if not ok:
            problems.append(f"{what}: {response.status_code} {response.text[:300]}")

    owned = {k: r for k, r in ROUTES.items() if r.auth != "public"}
    # 1. Anonymous: 401 on the API; on the web, the way to the sign-in page (a visitor with a
    #    valid anonymous CSRF token, so that the refusal is about signing in).
    for (method, path), rule in owned.items():
        value = world.ids[rule.key]
        response = await caller.call(method, path, rule, "anonymous", value)
        checked += 1
        if rule.auth.startswith("web"):
            expect(
                _signed_in_elsewhere(response),
                f"anonymous {method} {path}",
                response,
            )
        else:
            expect(response.status_code == 401, f"anonymous {method} {path}", response)
    before = await snapshot(database)
    # 2. Someone else's id: 404, the same answer as an id that does not exist; nothing changes.
    for (method, path), rule in owned.items():
        other = _other(rule)
        if not other:
            continue
        theirs = await caller.call(method, path, rule, other, world.ids[rule.key])
        nobodys = await caller.call(method, path, rule, other, _nobody(rule.key))
        checked += 2
        expect(theirs.status_code == 404, f"{other} {method} {path} (owner's id)", theirs)
        # The pages echo the caller's own URL (the language form's `next`): not a leak.
        mine = _url(path, world.ids[rule.key])
        missing = _url(path, _nobody(rule.key))
        same = theirs.status_code == nobodys.status_code and normalised(
            theirs.text.replace(mine, "<url>")
        ) == normalised(nobodys.text.replace(missing, "<url>"))
        if not same:
            diff = [
                line
                for line in difflib.unified_diff(
                    normalised(nobodys.text.replace(missing, "<url>")).splitlines(),
                    normalised(theirs.text.replace(mine, "<url>")).splitlines(),
                    lineterm="",
                    n=0,
                )
                if line[:1] in "+-" and line[:3] not in ("+++", "---")
            ]
            expect(False, f"{other} {method} {path}: differs from a missing id {diff[:6]}", theirs)
    after = await snapshot(database)
    for name in before:
        if before[name] != after[name]:
            problems.append(f"the others' calls changed {name}")
    # 3. Operator-only routes: a signed-in non-operator gets 403.
    for (method, path), rule in owned.items():
        if rule.auth == "operator":
            response = await caller.call(
                method, path, Rule("user", rule.key, body=rule.body), "alice", world.ids[rule.key]
            )
        elif rule.auth == "web-operator":
            response = await caller.call(
                method, path, Rule("web", rule.key), "alice", world.ids[rule.key]
            )
        else:
            continue
        checked += 1
        expect(response.status_code == 403, f"non-operator {method} {path}", response)

    # 4. The owner: the normal answer (never 401/403/404, never 5xx); destructive calls last.
    def order(item: tuple[tuple[str, str], Rule]) -> tuple[int, str]:
        (method, path), rule = item
        if rule.auth in ("operator", "web-operator"):
            stage = 4  # suspending a merchant or rotating a key ends the others' calls
        elif method == "DELETE" or path.endswith(LAST):
            stage = 3
        elif method == "GET":
            stage = 0
        elif path.endswith(FIRST):
            stage = 1  # with the certificate PIN, before renew/reissue change it
        else:
            stage = 2
        return (stage, f"{path} {method}")

    destroyed: set[str] = set()
    for (method, path), rule in sorted(owned.items(), key=order):
        owner = "operator" if rule.auth in ("operator", "web-operator") else rule.owner
        destructive = method == "DELETE" or path.endswith(LAST)
        if destructive and rule.key in destroyed:
            continue  # already ended by the API's or the page's twin of this call
        response = await caller.call(method, path, rule, owner, world.ids[rule.key])
        checked += 1
        if destructive and response.status_code < 400:
            destroyed.add(rule.key)
        expect(
            response.status_code not in (401, 403, 404) and response.status_code < 500,
            f"owner {owner} {method} {path}",
            response,
        )
    for web in world.web.values():
        await web.client.aclose()
    print(f"\n### authorization matrix: {len(ROUTES)} routes, {checked} calls")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
