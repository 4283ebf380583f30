"""What every fault run shares: a PostgreSQL cluster it may stop, the server as a process it may
kill, HTTP clients that retry with the same idempotency key until they get an answer, the users
and the shop they act as, and the checks run afterwards against the database.

The clients keep their own book of what was acknowledged (a 2xx answer); the checks compare that
book with the database: every acknowledged operation exists exactly once, nothing refused or
unanswered moved money, no hold is left open, each user's bank account plus wallet holds what
the acknowledged operations say, and `easypay ledger verify` passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from easypay.config import Settings
from easypay.scripting import create_merchant
from easypay.web import csrf

PASSWORD = "fault-run-password-1"  # noqa: S105 - the runs' own throwaway users
PIN = "739164"
SECRET = "5e" * 32
BANK_TOKEN = "sandbox-token"  # noqa: S105 - the sandbox's published default
CARD_TOKEN = "sandbox-card-token"  # noqa: S105 - the sandbox's published default
CID = "TC0ONETIME"
START_FUNDS = 1_000_000  # each user's bank account at the start
LANDLORD_FUNDS = 5_000  # what the receiving accounts of bank transfers start with
ROOT = Path(__file__).resolve().parents[4]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- PostgreSQL ----------------------------------------------------------------------------------


def pg_bin_dir() -> Path | None:
    if os.environ.get("PG_BIN_DIR"):
        return Path(os.environ["PG_BIN_DIR"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PgCluster:
    """A throwaway cluster of our own, with durable commits (synchronous_commit=on), so that
    stopping it in immediate mode loses nothing a client was told had committed."""

    def __init__(self, workdir: Path) -> None:
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb) found")
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="pg-", dir=workdir))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            os.chmod(workdir, 0o755)  # noqa: S103 - postgres must reach its data directory
            os.chmod(self.dir, 0o755)  # noqa: S103
            shutil.chown(self.dir, "postgres")

    def _run(self, *args: str) -> None:
        command = [*self.as_owner, *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])}: {done.stdout}{done.stderr}")

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-locale")  # fmt: skip
        self.start()
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                  "postgres", "easypay")  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on "
            "-c synchronous_commit=on -c max_connections=200"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                  "-w", "-t", "60", "start", "-o", options)  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/easypay"


# --- the server ---------------------------------------------------------------------------------


class Server:
    """`easypay serve` (with its in-process worker) as a child process we can kill -9; with
    `module`, another entry point (the sandbox's own process, `serve_sandbox`)."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        module: str = "easypay.bench.faults.serve",
        name: str = "server",
        **settings: Any,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.module = module
        self.log = open(workdir / f"{name}-{self.port}.log", "ab")  # noqa: SIM115
        self.env = {
            **os.environ,
            "EASYPAY_DATABASE_URL": database_url,
            "EASYPAY_VAR_DIR": str(workdir / "var"),
            "EASYPAY_SECRET_KEY": SECRET,
            "EASYPAY_BASE_URL": self.base_url,
            "EASYPAY_PORT": str(self.port),
            "EASYPAY_LOG_LEVEL": "WARNING",
            "EASYPAY_BANK_TIMEOUT_SECONDS": "2",
            "EASYPAY_CARD_ISSUER_TIMEOUT_SECONDS": "2",
            "EASYPAY_BANK_RECONCILE_AFTER_SECONDS": "2",
            "EASYPAY_WORKER_POLL_SECONDS": "0.5",
            "EASYPAY_SIGNIN_LIMIT_PER_IP": "1000000",
            "EASYPAY_SIGNIN_LIMIT_PER_PHONE": "1000000",
            "EASYPAY_DB_POOL_SIZE": "20",
            "EASYPAY_PAYMENT_READY_MINUTES": "1",
        }
        self.env.update({f"EASYPAY_{k.upper()}": str(v) for k, v in settings.items()})
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @classmethod
    def using_sandbox(cls, database_url: str, workdir: Path, sandbox: Server) -> Server:
        """The server, talking to the bank and card issuer of the sandbox process over HTTP
        (nothing of the sandbox mounted in it, so that killing it leaves the bank alive)."""
        return cls(
            database_url,
            workdir,
            mount_sandbox="false",
            bank_base_url=f"{sandbox.base_url}/sandbox/bank",
            card_issuer_base_url=f"{sandbox.base_url}/sandbox/card",
        )

    def start(self, wait: float = 90.0) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own module, by its name
            [sys.executable, "-m", self.module],
            env=self.env,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        self.starts += 1
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.module} exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.module} did not become healthy")

    def kill(self) -> None:
        """kill -9: no shutdown, no rollback, no answer to anyone."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self) -> None:
        self.stop()
        self.log.close()


def server_errors(workdir: Path) -> list[str]:
    """What the servers and the sandbox process logged as errors (their 500s), one line each
    with the exception."""
    found = []
    for log in sorted([*workdir.glob("server-*.log"), *workdir.glob("sandbox-*.log")]):
        for line in log.read_text(errors="replace").splitlines():
            if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line:
                found.append(line.replace("\\n", " | "))
    return found


def keep_workdir() -> bool:
    """EASYPAY_FAULTS_KEEP=1 keeps the run's directory (server logs, database) for a look."""
    return os.environ.get("EASYPAY_FAULTS_KEEP") == "1"


def migrate(database_url: str, workdir: Path) -> None:
    env = {**os.environ, "EASYPAY_DATABASE_URL": database_url, "EASYPAY_VAR_DIR": str(workdir)}
    subprocess.run(
        [sys.executable, "-m", "easypay.cli", "migrate"], env=env, check=True, capture_output=True
    )


def ledger_verify(database_url: str, workdir: Path) -> tuple[bool, str]:
    """`easypay ledger verify`, the command an operator runs."""
    env = {
        **os.environ,
        "EASYPAY_DATABASE_URL": database_url,
        "EASYPAY_VAR_DIR": str(workdir),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "easypay.cli", "ledger", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode == 0, done.stdout + done.stderr


# --- a run's processes --------------------------------------------------------------------------


@dataclass
class Stack:
    """What a run stands on: its database, the sandbox bank and card issuer in their own
    process (never killed, as a real bank is not), the server (which a run may kill), and the
    clients' HTTP client, statistics and book."""

    url: str
    work: Path
    cluster: PgCluster | None
    sandbox: Server
    server: Server
    api: Api
    stats: Stats
    book: Book


@contextlib.asynccontextmanager
async def stack(
    database: str, database_url: str | None, name: str, workdir: Path | None = None
) -> AsyncIterator[Stack]:
    """Start everything in a temporary directory (or `workdir`); stop and remove it after."""
    own = workdir is None
    work = Path(tempfile.mkdtemp(prefix=f"easypay-{name}-")) if workdir is None else workdir
    cluster = sandbox = server = api = None
    try:
        if database_url is not None:
            url = database_url
        elif database == "postgres":
            cluster = PgCluster(work)
            cluster.init()
            url = cluster.url
        else:
            url = f"sqlite+aiosqlite:///{work / 'easypay.db'}"
        migrate(url, work)
        sandbox = Server(url, work, module="easypay.bench.faults.serve_sandbox", name="sandbox")
        sandbox.start()
        server = Server.using_sandbox(url, work, sandbox)
        server.start()
        stats = Stats()
        api = Api(server.base_url, stats, sandbox_url=sandbox.base_url)
        for path in ("/sandbox/bank/_sandbox/faults", "/sandbox/card/_sandbox/faults"):
            answer = await api.client.delete(path, headers={"Authorization": "Bearer -"})
            if answer.status_code != 404:  # the server would take the bank down with it
                raise RuntimeError(f"the server serves {path} itself: {answer.status_code}")
        say(f"{database}: server on {server.base_url}, sandbox bank and card on {sandbox.base_url}")
        yield Stack(url, work, cluster, sandbox, server, api, stats, Book())
    finally:
        if api is not None:
            await api.aclose()
        for process in (server, sandbox):
            if process is not None:
                process.close()
        if cluster is not None:
            cluster.destroy()
        if own and not keep_workdir():
            shutil.rmtree(work, ignore_errors=True)
        elif own:
            print(f"kept {work}")


# --- HTTP with retries --------------------------------------------------------------------------


class Unanswered(Exception):
    """No final answer before the deadline: the server never came back."""


@dataclass
class Stats:
    attempts: int = 0
    retries: int = 0
    transport_errors: int = 0
    server_errors: Counter[int] = field(default_factory=Counter)
    in_progress: int = 0
    server_error_samples: list[str] = field(default_factory=list)


class Api:
    """An HTTP client that retries a request, unchanged (same Idempotency-Key), while the answer
    is no answer (connection refused or cut), a 5xx, a 409 IdempotencyInProgress or a 429."""

    def __init__(
        self,
        base_url: str,
        stats: Stats,
        deadline_seconds: float = 240.0,
        sandbox_url: str | None = None,
    ) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=15.0)
        self.stats = stats
        self.deadline_seconds = deadline_seconds
        self.sandbox_url = sandbox_url  # where /sandbox/... goes: the sandbox's own process

    async def aclose(self) -> None:
        await self.client.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        deadline = time.monotonic() + self.deadline_seconds
        if self.sandbox_url is not None and path.startswith("/sandbox/"):
            path = f"{self.sandbox_url}{path}"
        first = True
        while True:
            if not first:
                self.stats.retries += 1
                await asyncio.sleep(random.uniform(0.1, 0.4))
            first = False
            if time.monotonic() > deadline:
                raise Unanswered(f"{method} {path}")
            self.stats.attempts += 1
            try:
                response = await self.client.request(method, path, **kwargs)
            except httpx.TransportError:
                self.stats.transport_errors += 1
                continue
            if response.status_code >= 500:
                self.stats.server_errors[response.status_code] += 1
                if self.stats.server_errors[response.status_code] <= 3:  # a few of each status
                    self.stats.server_error_samples.append(
                        f"{method} {path}: {response.status_code} {response.text[:120]!r}"
                    )
                continue
            if response.status_code == 429:
                continue
            if response.status_code == 409 and _error_code(response) == "IdempotencyInProgress":
                self.stats.in_progress += 1
                continue
            return response


def _identity(response: httpx.Response) -> Any:
    with contextlib.suppress(ValueError, AttributeError):
        body = response.json()
        return body.get("id") or body.get("tid") or body
    return response.text


def _error_code(response: httpx.Response) -> str:
    with contextlib.suppress(ValueError, AttributeError):
        return str(response.json().get("error", ""))
    return ""


# --- the people ----------------------------------------------------------------------------------


@dataclass
class User:
    index: int
    user_id: int
    phone: str
    token: str
    account_number: str
    link_id: int
    name: str = ""
    card_id: int | None = None
    card_number: str | None = None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def keyed(self, key: str) -> dict[str, str]:
        return {**self.auth, "Idempotency-Key": key}

    def web(self) -> dict[str, str]:
        """Cookie and CSRF header of a signed-in browser (the token is the session)."""
        return {
            "Cookie": f"easypay_session={self.token}",
            csrf.CSRF_HEADER: csrf.session_token(bytes.fromhex(SECRET), self.token),
        }


@dataclass
class Shop:
    merchant_id: int
    secret_key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"SECRET_KEY {self.secret_key}"}


async def open_bank_account(
    api: Api, account: str, holder: str, customer: str, funds: int = 0
) -> None:
    """An account at the sandbox bank (088)."""
    response = await api.request(
        "POST",
        "/sandbox/bank/_sandbox/accounts",
        json={
            "bank_code": "088",
            "account_number": account,
            "holder_name": holder,
            "customer_id": customer,
            "balance": funds,
        },
        headers={"Authorization": f"Bearer {BANK_TOKEN}"},
    )
    assert response.status_code in (201, 409), response.text


async def make_user(api: Api, index: int, tag: str, funds: int = START_FUNDS) -> User:
    phone = f"+8210{random.randint(10_000_000, 99_999_999)}"
    name = "김민준이서연박지훈최지우정하준"[index % 7 : index % 7 + 3]
    response = await api.request(
        "POST",
        "/api/v1/users",
        json={"phone": phone, "name": name, "birth_date": "1990-05-17", "password": PASSWORD},
    )
    if response.status_code == 409:  # created by an attempt whose answer was lost
        pass
    elif response.status_code != 201:
        raise RuntimeError(f"sign-up: {response.status_code} {response.text}")
    response = await api.request(
        "POST", "/api/v1/sessions", json={"phone": phone, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    token, user_id = response.json()["token"], 0
    auth = {"Authorization": f"Bearer {token}"}
    response = await api.request("PUT", "/api/v1/me/pin", json={"pin": PIN}, headers=auth)
    assert response.status_code == 204, response.text
    response = await api.request("GET", "/api/v1/me", headers=auth)
    user_id = response.json()["id"]
    account = f"{tag}{index:06d}{random.randint(0, 999):03d}"[:16]
    await open_bank_account(api, account, name, phone, funds)
    response = await api.request(
        "POST",
        "/api/v1/money/bank-links",
        json={"bank_code": "088", "account_number": account, "consent": True},
        headers=auth,
    )
    assert response.status_code in (201, 409), response.text
    links = (await api.request("GET", "/api/v1/money/bank-links", headers=auth)).json()
    return User(index, user_id, phone, token, account, links[0]["id"], name)


def luhn_number(prefix: str) -> str:
    """A 16-digit card number starting with `prefix` whose check digit is right."""
    body = prefix + "".join(random.choice("0123456789") for _ in range(15 - len(prefix)))
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


async def give_card(api: Api, user: User, limit: int = 50_000_000) -> None:
    """A card of the sandbox issuer in the user's name, registered in their wallet."""
    number = luhn_number("94901")
    response = await api.request(
        "POST",
        "/sandbox/card/_sandbox/cards",
        json={
            "number": number,
            "expiry": "1231",
            "holder_name": user.name,
            "card_type": "신용",
            "credit_limit": limit,
        },
        headers={"Authorization": f"Bearer {CARD_TOKEN}"},
    )
    assert response.status_code == 201, response.text
    response = await api.request(
        "POST",
        "/api/v1/cards",
        json={
            "card_number": number,
            "expiry": "1231",
            "birth_date": "900517",
            "password_two_digits": "12",
            "pin": PIN,
        },
        headers=user.keyed(new_key("card")),
    )
    assert response.status_code == 201, response.text
    user.card_id, user.card_number = int(response.json()["id"]), number


async def make_shop(database_url: str) -> Shop:
    settings = Settings(database_url=database_url, secret_key=SECRET)
    created = await create_merchant(settings, "장애가게", [CID], 250)
    return Shop(created["merchant_id"], created["secret_key"])


async def people(api: Api, count: int, tag: str, cards: bool = False) -> list[User]:
    """`count` users with a bank account (and, with `cards`, a card registered)."""
    users = [await make_user(api, i, tag) for i in range(count)]
    for user in users if cards else []:
        await give_card(api, user)
    return users


async def landlords(api: Api, count: int, tag: str) -> list[str]:
    """Accounts at the sandbox bank nobody in EasyPay holds: where bank transfers go."""
    accounts = [f"{tag}9{i:05d}{random.randint(0, 99_999):05d}" for i in range(count)]
    for i, account in enumerate(accounts):
        await open_bank_account(api, account, "이집주인", f"landlord-{tag}-{i}", LANDLORD_FUNDS)
    return accounts


def new_key(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}"


# --- the book of what clients were told -------------------------------------------------------


@dataclass
class Send:
    sender: int
    recipient: int
    amount: int
    ended: str | None = None  # "received" / "canceled" when a client was told so


@dataclass
class PosPayment:
    buyer: int
    amount: int
    card: bool = False
    canceled: int = 0


@dataclass
class BankTransfer:
    sender: int
    account: str  # the receiving account at the sandbox bank
    amount: int
    told: str  # "completed", or "unknown" while the bank's answer was awaited


@dataclass
class Ask:
    requester: int
    payer: int
    amount: int
    answer: str | None = None  # "paid" / "declined" when the payer was told so


@dataclass
class Book:
    charges: dict[int, tuple[int, int]] = field(default_factory=dict)  # op id → (user, amount)
    withdrawals: dict[int, tuple[int, int]] = field(default_factory=dict)
    sends: dict[int, Send] = field(default_factory=dict)  # transfer id → send
    pos: dict[str, PosPayment] = field(default_factory=dict)  # pos_request_id → payment
    online: dict[str, PosPayment] = field(default_factory=dict)  # approved tid → payment
    bank_transfers: dict[int, BankTransfer] = field(default_factory=dict)  # op id → transfer
    asks: dict[int, Ask] = field(default_factory=dict)  # money request id → ask
    refused: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)
    unanswered: list[str] = field(default_factory=list)
    sent_twice: int = 0
    anomalies: list[str] = field(default_factory=list)

    def refuse(self, what: str, response: httpx.Response) -> None:
        self.refused[f"{what} {response.status_code} {_error_code(response)}"] += 1

    def ack(self, what: str) -> None:
        self.acknowledged[what] += 1

    @property
    def operations(self) -> int:
        return sum(self.acknowledged.values())


# --- the operations -----------------------------------------------------------------------------


Mix = tuple[tuple[str, float], ...]  # (operation, weight): `Client.op_<operation>`

# The crash test's: every way money moves, in and out of EasyPay.
CRASH_MIX: Mix = (
    ("charge", 12),
    ("transfer", 28),
    ("request", 10),
    ("bank_transfer", 8),
    ("pos", 18),
    ("online", 12),
    ("online_card", 12),
)


class Client:
    """One simulated person or terminal: value-moving calls, each with its own key, retried
    until answered; what was acknowledged goes into the shared book."""

    def __init__(
        self,
        api: Api,
        book: Book,
        users: list[User],
        shop: Shop,
        twice: float = 0.0,
        mix: Mix = CRASH_MIX,
    ) -> None:
        self.api = api
        self.book = book
        self.users = users
        self.shop = shop
        self.twice = twice  # how often a call is sent twice at once (a double-clicked button)
        self.mix = mix  # which operations, how often (see `random_operation`)
        self.send_max = 50  # sends and requests: up to this many hundreds of won
        self.pay_max = 80  # payments: up to this many hundreds of won
        self.cancel_share = 0.3  # how often a payment is then partly cancelled
        self.escrow = 0.0  # up to how long a send waits before it is received or cancelled
        self.bank_accounts: list[str] = []  # the receiving accounts of bank transfers
        self.rng = random.Random()

    async def call(self, what: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The request, sometimes sent twice at the same moment: both must get one answer."""
        if self.rng.random() >= self.twice:
            return await self.api.request(method, path, **kwargs)
        first, second = await asyncio.gather(
            self.api.request(method, path, **kwargs), self.api.request(method, path, **kwargs)
        )
        self.book.sent_twice += 1
        # Two refusals may differ (nothing happened either way); one success must be both's.
        succeeded = (first.status_code < 300, second.status_code < 300)
        if (succeeded[0] != succeeded[1]) or (
            all(succeeded) and _identity(first) != _identity(second)
        ):
            self.book.anomalies.append(
                f"{what} sent twice got two answers: {first.status_code} {first.text[:150]} / "
                f"{second.status_code} {second.text[:150]}"
            )
        return first

    async def charge(self, user: User, amount: int) -> None:
        await self._bank_operation("charge", "charges", user, amount, self.book.charges)

    async def withdraw(self, user: User, amount: int) -> None:
        await self._bank_operation("withdrawal", "withdrawals", user, amount, self.book.withdrawals)

    async def _bank_operation(
        self, what: str, path: str, user: User, amount: int, told: dict[int, tuple[int, int]]
    ) -> None:
        """A charge from, or a withdrawal to, the user's own linked account."""
        response = await self.call(
            what,
            "POST",
            f"/api/v1/money/{path}",
            json={"bank_link_id": user.link_id, "amount": amount, "pin": PIN},
            headers=user.keyed(new_key(what)),
        )
        if response.status_code == 201:
            told[response.json()["id"]] = (user.index, amount)
            self.book.ack(what)
        else:
            self.book.refuse(what, response)

    def _ended(self, what: str, was: str | None, answered: str, expected: str) -> str:
        """The end a client was told of `what` (a transfer received, a request paid, …): the
        one expected, and never two different ones for the same thing."""
        if answered != expected:
            self.book.anomalies.append(f"{what}: expected {expected}, answered {answered}")
        if was is not None and was != answered:
            self.book.anomalies.append(f"{what} acknowledged both {was} and {answered}")
        return answered

    async def send(self, sender: User, recipient: User, amount: int) -> int | None:
        response = await self.call(
            "send",
            "POST",
            "/api/v1/transfers",
            json={"phone": recipient.phone, "amount": amount, "pin": PIN},
            headers=sender.keyed(new_key("send")),
        )
        if response.status_code == 201:
            transfer_id = int(response.json()["id"])
            if transfer_id in self.book.sends:
                self.book.anomalies.append(f"two sends were answered with transfer {transfer_id}")
            self.book.sends[transfer_id] = Send(sender.index, recipient.index, amount)
            self.book.ack("send")
            return transfer_id
        self.book.refuse("send", response)
        return None

    async def end_transfer(self, user: User, transfer_id: int, action: str) -> None:
        """`receive` (by the recipient) or `cancel` (by the sender)."""
        response = await self.api.request(
            "POST",
            f"/api/v1/transfers/{transfer_id}/{action}",
            headers=user.keyed(new_key(action)),
        )
        if response.status_code == 200:
            status = response.json()["status"]
            send = self.book.sends[transfer_id]
            expected = "received" if action == "receive" else "canceled"
            send.ended = self._ended(f"transfer {transfer_id}", send.ended, status, expected)
            self.book.ack(action)
        else:
            self.book.refuse(action, response)

    async def pay_code(self, user: User, card: bool = False) -> str | None:
        """The one-time code the pay-code page shows (issuing one moves no money)."""
        method = f"card:{user.card_id}" if card else "MONEY"
        response = await self.api.request(
            "POST", "/pay/code", data={"pin": PIN, "method": method}, headers=user.web()
        )
        found = re.search(r'data-testid="pay-code-digits">([0-9 ]+)<', response.text)
        if response.status_code != 200 or found is None:
            self.book.refused[f"pay code {response.status_code}"] += 1
            return None
        return found.group(1).replace(" ", "")

    async def pos_pay(self, user: User, amount: int, card: bool = False) -> str | None:
        code = await self.pay_code(user, card)
        if code is None:
            return None
        request_id = new_key("pos")
        response = await self.call(
            "POS payment",
            "POST",
            "/api/v1/pos/payments",
            json={
                "code": code,
                "amount": amount,
                "pos_request_id": request_id,
                "item_name": "아메리카노",
            },
            headers=self.shop.auth,
        )
        if response.status_code == 201:
            if response.json().get("payment_method_type", "MONEY") != ("CARD" if card else "MONEY"):
                self.book.anomalies.append(f"POS {request_id} paid by the wrong method")
            self.book.pos[request_id] = PosPayment(user.index, amount, card)
            self.book.ack("pos card payment" if card else "pos payment")
            return request_id
        self.book.refuse("pos payment", response)
        return None

    async def pos_cancel(self, request_id: str, amount: int) -> None:
        response = await self.call(
            "POS cancel",
            "POST",
            f"/api/v1/pos/payments/{request_id}/cancel",
            json={"cancel_request_id": new_key("poscancel"), "amount": amount},
            headers=self.shop.auth,
        )
        if response.status_code == 200:
            paid = self.book.pos[request_id]
            paid.canceled += amount
            self.book.ack("pos card cancel" if paid.card else "pos cancel")
        else:
            self.book.refuse("pos cancel", response)

    async def _order(self, tid: str) -> dict[str, Any]:
        response = await self.api.request(
            "POST",
            "/online/v1/payment/order",
            json={"cid": CID, "tid": tid},
            headers=self.shop.auth,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def online_pay(self, user: User, amount: int, card: bool = False) -> str | None:
        """Ready (the shop), the hosted checkout with the PIN (the buyer's browser), approve
        (the shop). An approve whose answer was lost is learnt from an order inquiry, as a
        shop would; a checkout whose redirect was lost leaves the payment to expire."""
        order, buyer = new_key("order"), f"buyer-{user.index}"
        response = await self.api.request(
            "POST",
            "/online/v1/payment/ready",
            json={
                "cid": CID,
                "partner_order_id": order,
                "partner_user_id": buyer,
                "item_name": "초코파이",
                "quantity": 1,
                "total_amount": amount,
                "tax_free_amount": 0,
                "approval_url": "http://shop.test/ok",
                "cancel_url": "http://shop.test/cancel",
                "fail_url": "http://shop.test/fail",
            },
            headers=self.shop.auth,
        )
        if response.status_code != 200:
            self.book.refuse("online ready", response)
            return None
        tid = str(response.json()["tid"])
        method = f"card:{user.card_id}" if card else "MONEY"
        response = await self.api.request(
            "POST", f"/checkout/{tid}/pay", data={"pin": PIN, "method": method}, headers=user.web()
        )
        token = parse_qs(urlsplit(response.headers.get("location", "")).query).get("pg_token")
        if response.status_code != 303 or not token:
            self.book.refused[f"online checkout {response.status_code}"] += 1
            return None
        response = await self.api.request(
            "POST",
            "/online/v1/payment/approve",
            json={
                "cid": CID,
                "tid": tid,
                "partner_order_id": order,
                "partner_user_id": buyer,
                "pg_token": token[0],
            },
            headers=self.shop.auth,
        )
        # A refusal may be the repeat of an approve whose answer was lost: ask what happened.
        if response.status_code != 200 and (await self._order(tid))["status"] != "SUCCESS_PAYMENT":
            self.book.refuse("online approve", response)
            return None
        self.book.online[tid] = PosPayment(user.index, amount, card)
        self.book.ack("online card payment" if card else "online payment")
        return tid

    async def online_cancel(self, tid: str, amount: int) -> None:
        paid = self.book.online[tid]
        remaining = paid.amount - paid.canceled
        response = await self.api.request(
            "POST",
            "/online/v1/payment/cancel",
            json={
                "cid": CID,
                "tid": tid,
                "cancel_amount": amount,
                "cancel_tax_free_amount": 0,
                "cancel_available_amount": remaining,  # so that a repeat cannot cancel twice
            },
            headers=self.shop.auth,
        )
        if response.status_code != 200:
            canceled = (await self._order(tid))["canceled_amount"]["total"]
            if canceled != paid.canceled + amount:
                self.book.refuse("online cancel", response)
                return
        paid.canceled += amount
        self.book.ack("online card cancel" if paid.card else "online cancel")

    async def bank_transfer(self, user: User, account: str, amount: int) -> None:
        """Pay Money to an account at the sandbox bank (immediate, not cancellable)."""
        response = await self.call(
            "bank transfer",
            "POST",
            "/api/v1/bank-transfers",
            json={"bank_code": "088", "account_number": account, "amount": amount, "pin": PIN},
            headers=user.keyed(new_key("banktransfer")),
        )
        if response.status_code != 201:
            self.book.refuse("bank transfer", response)
            return
        body = response.json()
        operation_id, status = int(body["id"]), str(body["status"])
        if status not in ("completed", "unknown"):
            self.book.anomalies.append(f"bank transfer {operation_id} answered 201 {status}")
        if operation_id in self.book.bank_transfers:
            self.book.anomalies.append(f"two bank transfers were answered with {operation_id}")
        self.book.bank_transfers[operation_id] = BankTransfer(user.index, account, amount, status)
        self.book.ack("bank transfer")

    async def ask(self, requester: User, payer: User, amount: int) -> int | None:
        """A money request of one person, for `amount`."""
        response = await self.call(
            "money request",
            "POST",
            "/api/v1/money-requests",
            json={"title": "점심값", "people": [{"phone": payer.phone, "amount": amount}]},
            headers=requester.keyed(new_key("ask")),
        )
        if response.status_code != 201:
            self.book.refuse("money request", response)
            return None
        request_id = int(response.json()["id"])
        if request_id in self.book.asks:
            self.book.anomalies.append(f"two money requests were answered with {request_id}")
        self.book.asks[request_id] = Ask(requester.index, payer.index, amount)
        self.book.ack("money request")
        return request_id

    async def answer_request(self, payer: User, request_id: int, action: str) -> None:
        """`pay` (with the PIN) or `decline` the payer's part."""
        response = await self.call(
            f"request {action}",
            "POST",
            f"/api/v1/money-requests/{request_id}/{action}",
            json={"pin": PIN} if action == "pay" else None,
            headers=payer.keyed(new_key(f"request-{action}")),
        )
        if response.status_code != 200:
            self.book.refuse(f"request {action}", response)
            return
        status = response.json()["my_item_status"]
        asked = self.book.asks[request_id]
        expected = "paid" if action == "pay" else "declined"
        asked.answer = self._ended(f"request {request_id}", asked.answer, status, expected)
        self.book.ack(f"request {status}")

    # The operations a client picks from, by the weights of its `mix`.

    async def random_operation(self, rng: random.Random) -> None:
        user = rng.choice(self.users)
        other = rng.choice([u for u in self.users if u is not user])
        names, weights = zip(*self.mix, strict=True)
        operation = getattr(self, f"op_{rng.choices(names, weights)[0]}")
        await operation(rng, user, other)

    async def op_charge(self, rng: random.Random, user: User, _: User) -> None:
        await self.charge(user, rng.randrange(1, 6) * 10_000)

    async def op_withdraw(self, rng: random.Random, user: User, _: User) -> None:
        await self.withdraw(user, rng.randrange(1, 30) * 1_000)

    async def op_transfer(self, rng: random.Random, user: User, other: User) -> None:
        transfer_id = await self.send(user, other, rng.randrange(1, self.send_max) * 100)
        if transfer_id is None:
            return
        if self.escrow:
            await asyncio.sleep(rng.uniform(0, self.escrow))  # a while in escrow
        if rng.random() < 0.7:
            await self.end_transfer(other, transfer_id, "receive")
        else:
            await self.end_transfer(user, transfer_id, "cancel")

    async def _pay(self, rng: random.Random, user: User, online: bool, card: bool) -> None:
        """Pay (in a store or online, by Pay Money or card), then sometimes cancel part of it."""
        amount = rng.randrange(1, self.pay_max) * 100
        pay, cancel = (
            (self.online_pay, self.online_cancel)
            if online
            else (
                self.pos_pay,
                self.pos_cancel,
            )
        )
        reference = await pay(user, amount, card)
        if reference is not None and rng.random() < self.cancel_share:
            await cancel(reference, rng.randrange(1, amount // 100 + 1) * 100)

    async def op_pos(self, rng: random.Random, user: User, _: User) -> None:
        await self._pay(rng, user, online=False, card=False)

    async def op_pos_card(self, rng: random.Random, user: User, _: User) -> None:
        await self._pay(rng, user, online=False, card=True)

    async def op_online(self, rng: random.Random, user: User, _: User) -> None:
        await self._pay(rng, user, online=True, card=False)

    async def op_online_card(self, rng: random.Random, user: User, _: User) -> None:
        await self._pay(rng, user, online=True, card=True)

    async def op_bank_transfer(self, rng: random.Random, user: User, _: User) -> None:
        await self.bank_transfer(user, rng.choice(self.bank_accounts), rng.randrange(1, 30) * 1_000)

    async def op_request(self, rng: random.Random, user: User, other: User) -> None:
        request_id = await self.ask(user, other, rng.randrange(1, self.send_max) * 100)
        if request_id is not None:
            action = "pay" if rng.random() < 0.85 else "decline"
            await self.answer_request(other, request_id, action)

    async def finish_transfers(self) -> None:
        """Receive every acknowledged send nobody ended, so that no hold stays open."""
        for transfer_id, send in list(self.book.sends.items()):
            if send.ended is None:
                await self.end_transfer(self.users[send.recipient], transfer_id, "receive")


async def run_clients(
    clients: list[Client], seconds: float, seed: int, stop: asyncio.Event | None = None
) -> None:
    """Each client loops random operations until the time is up (a started operation is always
    carried to its answer)."""
    end = time.monotonic() + seconds

    async def loop(client: Client, rng: random.Random) -> None:
        while time.monotonic() < end and not (stop and stop.is_set()):
            try:
                await client.random_operation(rng)
            except Unanswered as error:
                client.book.unanswered.append(str(error))

    await asyncio.gather(*(loop(c, random.Random(seed + i)) for i, c in enumerate(clients)))


async def periodically(
    every: tuple[float, float], until: float, action: Callable[[], Awaitable[None]]
) -> int:
    """Run `action` at random moments (uniform within `every` seconds) until `until`."""
    rounds = 0
    while True:
        await asyncio.sleep(random.uniform(*every))
        if time.monotonic() >= until:
            return rounds
        await action()
        rounds += 1
