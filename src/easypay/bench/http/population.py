"""Who the load runs as: users, a merchant, a long history, and the passive accounts.

Through the real API (as a phone and a browser would): each bench user signs up, signs in
(an API token and a web session cookie), sets the payment PIN, links a sandbox bank account,
charges Pay Money from it and adds the next user as a friend.

Through fast paths, where the API would take hours and proves nothing more:
- the sandbox bank accounts are opened with `sandbox.bank.service.open_account` (the bank's
  own set-up call, as the demo data and the tests do);
- the merchant is created with `merchant.service.create`, what the operator console calls;
- the history user's 100,000 entries are ledger transfers between that user's wallet and a
  partner's, written with `ledger.create_transfers` (the batch entry point: the same rows,
  balances and checks as any transfer, so `ledger verify` covers them);
- the passive users that make up `--accounts` are bulk-inserted rows of `users` with their
  wallet in `ledger_accounts`: exactly what sign-up writes, minus the password hash and the
  sign-up event (they never sign in). Their phone numbers start +82190, a range no mobile
  number uses, so a second run finds and reuses them.
"""

from __future__ import annotations

import logging
import random
import re
import uuid
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from easypay.db import Database
from easypay.kit.clock import clock
from easypay.ledger import service as ledger
from easypay.ledger.accounts import USER_WALLET, WALLET_FLAGS
from easypay.ledger.schemas import TransferRequest
from easypay.merchant import service as merchant_service
from easypay.models import LedgerAccount, User
from easypay.sandbox.bank import service as sandbox_bank

log = logging.getLogger("easypay.bench")

PASSWORD = "bench-horse-battery-42"  # noqa: S105 - the bench users' own
PIN = "739164"
BANK_CODE = "088"
BANK_BALANCE = 100_000_000
FUNDING = 1_000_000  # Pay Money each bench user charges at set-up
HISTORY_CODE = "bench_history"
BULK_PHONE_PREFIX = "+82190"
BULK_CHUNK = 50_000
HISTORY_CHUNK = 1_000
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    if found is None:
        raise RuntimeError("no CSRF token in the page")
    return found.group(1)


@dataclass
class BenchUser:
    user_id: int
    phone: str
    api_token: str
    web_cookies: dict[str, str]
    link_id: int
    csrf_token: str
    friend_id: int = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_token}"}

    def with_key(self) -> dict[str, str]:
        return {**self.headers, "Idempotency-Key": uuid.uuid4().hex}


@dataclass
class Shop:
    cid: str
    secret_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"SECRET_KEY {self.secret_key}"}


@dataclass
class Population:
    users: list[BenchUser]
    shops: list[Shop]
    history_user: BenchUser | None = None
    history_entries: int = 0
    set_up: dict[str, Any] = field(default_factory=dict)


def setup_client(base_url: str) -> httpx.AsyncClient:
    """The set-up's client (users, sign-ins, friends); it keeps no cookies (each user sends
    their own)."""
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(base_url=base_url, timeout=60.0, cookies=jar)


def _expect(response: httpx.Response, *statuses: int) -> httpx.Response:
    if response.status_code not in statuses:
        request = response.request
        raise RuntimeError(
            f"set-up: {request.method} {request.url.path} answered {response.status_code}: "
            f"{response.text[:300]}"
        )
    return response


async def create_user(
    client: httpx.AsyncClient, database: Database, phone: str, account_number: str, name: str
) -> BenchUser:
    """One user, the way the app and the web pages make one (see the module docstring)."""
    body = {"phone": phone, "name": name, "birth_date": "1990-05-17", "password": PASSWORD}
    user_id = int(_expect(await client.post("/api/v1/users", json=body), 201).json()["id"])
    signed_in = await client.post("/api/v1/sessions", json={"phone": phone, "password": PASSWORD})
    token = str(_expect(signed_in, 201).json()["token"])
    headers = {"Authorization": f"Bearer {token}"}
    _expect(await client.put("/api/v1/me/pin", json={"pin": PIN}, headers=headers), 204)
    async with database.transaction() as session:
        await sandbox_bank.open_account(
            session, BANK_CODE, account_number, name, phone, BANK_BALANCE
        )
    link = {"bank_code": BANK_CODE, "account_number": account_number, "consent": True}
    linked = await client.post("/api/v1/money/bank-links", json=link, headers=headers)
    link_id = int(_expect(linked, 201).json()["id"])
    charge = {"bank_link_id": link_id, "amount": FUNDING, "pin": PIN}
    key = {**headers, "Idempotency-Key": uuid.uuid4().hex}
    _expect(await client.post("/api/v1/money/charges", json=charge, headers=key), 201)
    cookies, csrf = await web_sign_in(client, phone)
    return BenchUser(user_id, phone, token, cookies, link_id, csrf)


async def web_sign_in(client: httpx.AsyncClient, phone: str) -> tuple[dict[str, str], str]:
    """The browser's sign-in: the form (for its CSRF token and cookie), then the post; then
    the session's CSRF token (the same for every form of a signed-in session)."""
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=client.timeout) as browser:
        page = _expect(await browser.get("/signin"), 200)
        form = {"phone": phone, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
        _expect(await browser.post("/signin", data=form), 303)
        signed_in = _expect(await browser.get("/pay/code"), 200)
        return dict(browser.cookies.items()), csrf_token(signed_in.text)


async def populate(
    client: httpx.AsyncClient,
    database: Database,
    users: int,
    history_entries: int,
    merchants: int = 1,
) -> Population:
    run = random.randrange(1000, 10_000)  # new phones and accounts on every run
    made: list[BenchUser] = []
    for index in range(users):
        phone = f"+8210{run:04d}{index:04d}"
        account = f"77{run:04d}{index:06d}"
        made.append(await create_user(client, database, phone, account, "김부하"))
    for index, someone in enumerate(made):  # a ring: each user's friend is the next one
        friend = made[(index + 1) % len(made)]
        added = await client.post(
            "/api/v1/friends", json={"phone": friend.phone}, headers=someone.headers
        )
        _expect(added, 201, 409)
        someone.friend_id = friend.user_id
    shops = []
    for number in range(max(1, merchants)):
        async with database.transaction() as session:
            created = await merchant_service.create(session, f"부하상점{run}-{number}", [], 250)
        shops.append(Shop(created.cids[0], created.secret_key))
    population = Population(made, shops)
    if history_entries:
        phone = f"+8210{run:04d}9999"
        reader = await create_user(client, database, phone, f"77{run:04d}999999", "이력자")
        await write_history(database, reader.user_id, made[0].user_id, history_entries)
        population.history_user = reader
        population.history_entries = history_entries
    return population


async def write_history(database: Database, user_id: int, partner_id: int, entries: int) -> None:
    """`entries` 1-won transfers to and from the partner, alternating (the balance ends where
    it began), through the ledger's batch entry point."""
    async with database.transaction() as session:
        mine = (await ledger.user_wallet(session, user_id)).id
        theirs = (await ledger.user_wallet(session, partner_id)).id
    for start in range(0, entries, HISTORY_CHUNK):
        requests = [
            TransferRequest(mine, theirs, 1, HISTORY_CODE)
            if number % 2 == 0
            else TransferRequest(theirs, mine, 1, HISTORY_CODE)
            for number in range(start, min(entries, start + HISTORY_CHUNK))
        ]
        async with database.transaction() as session:
            results = await ledger.create_transfers(session, requests)
        refused = [result.error for result in results if not result.ok]
        if refused:
            raise RuntimeError(f"writing the history failed: {refused[0]!r}")
    if not database.is_sqlite:
        await settled(database, "ledger_transfers")


async def settled(database: Database, *tables: str) -> None:
    """VACUUM (ANALYZE) freshly bulk-written tables, then CHECKPOINT, before anything is
    measured, as a running system's tables are: fresh statistics for the plans, and neither an
    autovacuum of a million new rows nor the checkpoint their WAL triggers competing for the two
    cores during the measurement (both did: the `floor` scenario, which touches no table, lost a
    third of its throughput during the 1M-account rows)."""
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in tables:  # names from this module, not input
            await autocommit.execute(text(f"VACUUM (ANALYZE) {table}"))
        # And the checkpoint the bulk write's WAL would otherwise start during the measurement
        # (its writes and the full-page images after it: ~50 % more PostgreSQL CPU per flow).
        # It needs a superuser (the bench's own cluster has one); elsewhere it is left out.
        try:
            await autocommit.execute(text("CHECKPOINT"))
        except DBAPIError:
            log.warning("CHECKPOINT refused (not a superuser): measuring without it")


async def fill_accounts(database: Database, accounts: int) -> dict[str, int]:
    """Bulk-insert passive users (each with a wallet) until there are `accounts` users."""
    async with database.transaction() as session:
        existing = int(await session.scalar(select(func.count()).select_from(User)) or 0)
        bulk = int(
            await session.scalar(
                select(func.count()).where(User.phone.like(f"{BULK_PHONE_PREFIX}%"))
            )
            or 0
        )
    missing = max(0, accounts - existing)
    for start in range(bulk, bulk + missing, BULK_CHUNK):
        end = min(bulk + missing, start + BULK_CHUNK)
        async with database.transaction() as session:
            if database.is_sqlite:
                await _insert_chunk_portably(session, start, end)
            else:
                await _insert_chunk_postgres(session, start, end)
    if missing and not database.is_sqlite:
        await settled(database, "users", "ledger_accounts")
    return {"users_before": existing, "bulk_inserted": missing, "users": existing + missing}


async def _insert_chunk_postgres(session: Any, start: int, end: int) -> None:
    now = clock.now()
    await session.execute(
        text(
            "INSERT INTO users (phone, name, birth_date, password_hash, pin_failures,"
            " is_operator, status, auto_charge_enabled, language, created_at)"
            " SELECT :prefix || lpad(g::text, 8, '0'), '부하', DATE '1990-05-17', '!', 0,"
            " false, 'active', true, 'ko', :now FROM generate_series(:start, :end - 1) g"
        ),
        {"prefix": BULK_PHONE_PREFIX, "start": start, "end": end, "now": now},
    )
    await session.execute(
        text(
            "INSERT INTO ledger_accounts (code, unit, owner_id, shard, flags, debits_pending,"
            " debits_posted, credits_pending, credits_posted, created_at)"
            " SELECT :code, 'KRW', u.id, 0, :flags, 0, 0, 0, 0, :now FROM users u"
            " WHERE u.phone >= :low AND u.phone <= :high"
        ),
        {
            "code": USER_WALLET,
            "flags": WALLET_FLAGS,
            "now": now,
            "low": f"{BULK_PHONE_PREFIX}{start:08d}",
            "high": f"{BULK_PHONE_PREFIX}{end - 1:08d}",
        },
    )


async def _insert_chunk_portably(session: Any, start: int, end: int) -> None:
    now = clock.now()
    phones = [f"{BULK_PHONE_PREFIX}{number:08d}" for number in range(start, end)]
    rows = [
        {
            "phone": phone,
            "name": "부하",
            "birth_date": clock.now().date().replace(year=1990),
            "password_hash": "!",
            "pin_failures": 0,
            "is_operator": False,
            "status": "active",
            "auto_charge_enabled": True,
            "language": "ko",
            "created_at": now,
        }
        for phone in phones
    ]
    await session.execute(insert(User), rows)
    ids = (await session.execute(select(User.id).where(User.phone.in_(phones)))).scalars()
    wallets = [
        {
            "code": USER_WALLET,
            "unit": "KRW",
            "owner_id": user_id,
            "shard": 0,
            "flags": WALLET_FLAGS,
            "debits_pending": 0,
            "debits_posted": 0,
            "credits_pending": 0,
            "credits_posted": 0,
            "created_at": now,
        }
        for user_id in ids
    ]
    await session.execute(insert(LedgerAccount), wallets)
