"""The scenarios: what one client does in a loop, request by request, each request timed.

A client is an asyncio task acting as one bench user (client i is user i; its friend is user
i+1). It runs its scenario's flow over and over until the deadline (a closed loop: the next
flow starts when the last one has its answer). Every request goes through one shared
`LoadClient` (aiohttp) whose pool holds one connection per client.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from easypay.bench.http.load_client import TRANSPORT_ERRORS, Answer, LoadClient
from easypay.bench.http.population import PIN, BenchUser, Population
from easypay.bench.http.stats import Measurement

AMOUNT = 1_000  # a charge, a payment (the smallest charge is 1,000 KRW)
SEND_AMOUNT = 100
HISTORY_PAGE = 20
HISTORY_PAGES = 5  # a reader follows next_cursor this many pages, then starts over
_DIGITS = re.compile(r'data-testid="pay-code-digits">([0-9 ]+)<')


class FlowFailed(Exception):
    """A request answered something else than the flow expects; the flow is counted failed."""


@dataclass
class Context:
    client: LoadClient
    population: Population
    measurement: Measurement
    history_cursors: dict[int, tuple[str | None, int]] = field(default_factory=dict)

    async def call(
        self,
        step: str,
        expected: int,
        method: str,
        url: str,
        **options: Any,
    ) -> Answer:
        started = time.perf_counter()
        response = await self.client.request(method, url, **options)
        self.measurement.step(step, time.perf_counter() - started)
        if response.status_code != expected:
            raise FlowFailed(f"{step} {response.status_code} {_error_code(response)}")
        return response


def _error_code(response: Answer) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        return str(body.get("error") or body.get("error_code") or body.get("code") or "")
    return ""


def web_headers(user: BenchUser) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in user.web_cookies.items())}


Flow = Callable[[Context, int], Awaitable[None]]


async def charge(context: Context, index: int) -> None:
    """Pay Money from the linked bank account (the server calls the sandbox bank over HTTP)."""
    user = context.population.users[index]
    body = {"bank_link_id": user.link_id, "amount": AMOUNT, "pin": PIN}
    await context.call(
        "charge", 201, "POST", "/api/v1/money/charges", json=body, headers=user.with_key()
    )


async def send(context: Context, index: int) -> None:
    """A transfer to a friend, then the friend opens it and receives it."""
    users = context.population.users
    sender, receiver = users[index], users[(index + 1) % len(users)]
    body = {"friend_id": sender.friend_id, "amount": SEND_AMOUNT, "pin": PIN, "message": "부하"}
    sent = await context.call(
        "send", 201, "POST", "/api/v1/transfers", json=body, headers=sender.with_key()
    )
    transfer_id = sent.json()["id"]
    await context.call(
        "view", 200, "GET", f"/api/v1/transfers/{transfer_id}", headers=receiver.headers
    )
    await context.call(
        "receive",
        200,
        "POST",
        f"/api/v1/transfers/{transfer_id}/receive",
        headers=receiver.with_key(),
    )


async def online(context: Context, index: int) -> None:
    """KakaoPay-compatible: the shop's ready, the buyer's hosted checkout (page, then the PIN
    with Pay Money), the shop's approve with the pg_token the checkout redirected with."""
    population = context.population
    buyer = population.users[index]
    shop = population.shops[index % len(population.shops)]
    order = uuid.uuid4().hex[:16]
    ready = {
        "cid": shop.cid,
        "partner_order_id": order,
        "partner_user_id": f"buyer-{index}",
        "item_name": "초코파이",
        "quantity": 1,
        "total_amount": AMOUNT,
        "tax_free_amount": 0,
        "approval_url": "http://shop.test/ok",
        "cancel_url": "http://shop.test/cancel",
        "fail_url": "http://shop.test/fail",
    }
    answer = await context.call(
        "ready", 200, "POST", "/online/v1/payment/ready", json=ready, headers=shop.headers
    )
    tid = answer.json()["tid"]
    cookies = web_headers(buyer)
    await context.call("checkout_page", 200, "GET", f"/checkout/{tid}", headers=cookies)
    form = {"csrf_token": buyer.csrf_token, "pin": PIN, "method": "MONEY"}
    paid = await context.call(
        "checkout_pin", 303, "POST", f"/checkout/{tid}/pay", data=form, headers=cookies
    )
    tokens = parse_qs(urlsplit(paid.headers.get("location", "")).query).get("pg_token")
    if not tokens:
        raise FlowFailed("checkout_pin no-pg_token")
    approve = {
        "cid": shop.cid,
        "tid": tid,
        "partner_order_id": order,
        "partner_user_id": f"buyer-{index}",
        "pg_token": tokens[0],
    }
    await context.call(
        "approve", 200, "POST", "/online/v1/payment/approve", json=approve, headers=shop.headers
    )


async def pos(context: Context, index: int) -> None:
    """In store: the buyer's wallet shows a payment code (after the PIN), the shop's POS
    charges it with the merchant key."""
    population = context.population
    buyer = population.users[index]
    shop = population.shops[index % len(population.shops)]
    form = {"csrf_token": buyer.csrf_token, "pin": PIN}
    page = await context.call(
        "code", 200, "POST", "/pay/code", data=form, headers=web_headers(buyer)
    )
    found = _DIGITS.search(page.text)
    if found is None:
        raise FlowFailed("code no-digits")
    body = {
        "code": found.group(1).replace(" ", ""),
        "amount": AMOUNT,
        "pos_request_id": uuid.uuid4().hex,
        "item_name": "아메리카노",
    }
    await context.call("pos", 201, "POST", "/api/v1/pos/payments", json=body, headers=shop.headers)


async def history(context: Context, index: int) -> None:
    """A page of the money history of the user with the long history: each client follows
    next_cursor a few pages deep, then starts from the newest page again."""
    reader = context.population.history_user
    if reader is None:
        raise FlowFailed("history no-reader")
    cursor, depth = context.history_cursors.get(index, (None, 0))
    params = {"limit": str(HISTORY_PAGE)}
    if cursor:
        params["cursor"] = cursor
    page = await context.call(
        "history", 200, "GET", "/api/v1/money/history", params=params, headers=reader.headers
    )
    following = page.json().get("next_cursor")
    if not following or depth + 1 >= HISTORY_PAGES:
        context.history_cursors[index] = (None, 0)
    else:
        context.history_cursors[index] = (str(following), depth + 1)


async def floor(context: Context, index: int) -> None:
    """The cheapest request through the whole stack (`GET /healthz`: the middleware, one pool
    checkout and `SELECT 1`): the ceiling of requests per second on this machine, against
    which a flow of several requests is judged."""
    await context.call("healthz", 200, "GET", "/healthz")


SCENARIOS: dict[str, Flow] = {
    "charge": charge,
    "send": send,
    "online": online,
    "pos": pos,
    "history": history,
    "floor": floor,
}


async def client_loop(
    context: Context, flow: Flow, index: int, deadline: float, record: bool
) -> None:
    measurement = context.measurement
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            await flow(context, index)
        except FlowFailed as failure:
            measurement.failed(str(failure))
            continue
        except TRANSPORT_ERRORS as failure:
            measurement.failed(type(failure).__name__)
            continue
        measurement.flows += 1
        if record:
            measurement.flow_latencies.append(time.perf_counter() - started)
