"""The `easypay` command: serve, worker, migrate, demo, ledger verify, bench, admin tasks."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from easypay.config import get_settings

app = typer.Typer(help="EasyPay: a self-hostable easy-payment platform.", no_args_is_help=True)
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
user_app = typer.Typer(help="Users (for operators and scripts).", no_args_is_help=True)
merchant_app = typer.Typer(help="Merchants (for operators and scripts).", no_args_is_help=True)
admin_app = typer.Typer(help="Operator accounts.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks.", no_args_is_help=True)
settlement_app = typer.Typer(help="Merchant settlement.", no_args_is_help=True)
tlog_app = typer.Typer(help="The certificate transparency log.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
app.add_typer(user_app, name="user")
app.add_typer(merchant_app, name="merchant")
app.add_typer(admin_app, name="admin")
app.add_typer(bench_app, name="bench")
app.add_typer(settlement_app, name="settlement")
app.add_typer(tlog_app, name="tlog")

console = Console(stderr=True)
ROOT = Path(__file__).resolve().parents[2]


def run_migrations(database_url: str) -> None:
    """`alembic upgrade head` on `database_url`, then the named system accounts."""
    from alembic import command
    from alembic.config import Config

    if database_url.startswith("sqlite"):
        Path(database_url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")

    async def bootstrap() -> None:
        from easypay.db import Database
        from easypay.ledger import service as ledger

        database = Database(database_url)
        async with database.transaction() as session:
            await ledger.ensure_system_accounts(session)
        await database.dispose()

    asyncio.run(bootstrap())


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest migration."""
    settings = get_settings()
    run_migrations(settings.database_url)
    console.print(f"[green]migrated[/] {_safe_url(settings.database_url)}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL only).")] = 1,
) -> None:
    """Serve the web app and the API (and, in embedded mode, the worker)."""
    import uvicorn

    from easypay.observability import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    if settings.load_demo_on_serve:
        demo()
    console.print(f"EasyPay on http://{host or settings.host}:{port or settings.port}/")
    uvicorn.run(
        "easypay.cli:serving_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


def serving_app() -> Any:
    from easypay.app import create_app

    settings = get_settings()
    app = create_app(settings, run_worker=settings.run_worker_in_process)
    _freeze_what_lives_forever()
    return app


def _freeze_what_lives_forever() -> None:
    """Move everything built so far (modules, routes, the ORM's mappers and caches: ~300,000
    objects) out of the garbage collector's sight: they live as long as the process, and each
    full collection walked all of them again — ~5 ms per send flow (tests/perf, issue 6)."""
    gc.collect()
    gc.freeze()


@app.command()
def worker() -> None:
    """Run the background worker (outbox jobs, expiry, bank reconciliation) until stopped."""
    from easypay.observability import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)

    async def main() -> None:
        from easypay.card.issuer_client import HttpCardIssuer
        from easypay.db import Database
        from easypay.money.open_banking import OpenBankingGateway
        from easypay.worker.runner import Worker

        database = Database(settings.database_url, settings.db_pool_size)
        bank = OpenBankingGateway(
            settings.bank_url, settings.bank_api_token, settings.bank_timeout_seconds
        )
        issuer = HttpCardIssuer(
            settings.card_issuer_url,
            settings.card_issuer_api_token,
            settings.card_issuer_timeout_seconds,
        )
        stop = asyncio.Event()
        _freeze_what_lives_forever()
        try:
            await Worker(database, settings, bank, issuer).run_forever(stop)
        finally:
            await issuer.aclose()
            await bank.aclose()
            await database.dispose()

    asyncio.run(main())


@app.command()
def demo() -> None:
    """Load the demo data (once; running it again changes nothing)."""
    from easypay.demo import load_demo

    created = asyncio.run(load_demo(get_settings()))
    console.print("[green]demo data loaded[/]" if created else "demo data already present")


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Check the ledger invariants; exit 1 on any violation."""

    async def main() -> bool:
        from easypay.db import Database
        from easypay.ledger.verify import verify

        database = Database(get_settings().database_url)
        async with database.transaction() as session:
            report = await verify(session)
        await database.dispose()
        table = Table(title=f"Ledger: {report.accounts:,} accounts, {report.transfers:,} transfers")
        table.add_column("invariant")
        table.add_column("result")
        table.add_column("detail")
        for check in report.checks:
            result = "[green]ok[/]" if check.ok else "[red]VIOLATED[/]"
            table.add_row(check.name, result, "\n".join([check.summary, *check.problems]))
        Console().print(table)
        return report.ok

    if not asyncio.run(main()):
        console.print("[red]ledger verify: invariants violated[/]")
        raise typer.Exit(1)
    console.print("[green]ledger verify: all invariants hold[/]")


@tlog_app.command("verify")
def tlog_verify(
    verifier_key: Annotated[
        str | None,
        typer.Option(
            help="Check checkpoints with this published key (GET /tlog/key) instead of the "
            "key file under var_dir."
        ),
    ] = None,
) -> None:
    """Recompute the log from its entries; check nodes, checkpoints, consistency (exit 1 if bad)."""
    from easypay.certificate.tlog.checkpoint import NoteError, parse_verifier_key
    from easypay.certificate.tlog.errors import TlogError
    from easypay.certificate.tlog.key import load_log_key, log_origin

    settings = get_settings()
    origin = log_origin(settings)
    public_key = None
    try:
        if verifier_key is not None:
            origin, public_key = parse_verifier_key(verifier_key.strip())
        else:
            public_key = load_log_key(settings, create=False).public_key()
    except (NoteError, TlogError) as error:
        console.print(f"[yellow]no usable log key: {error}[/]")

    async def main() -> bool:
        from easypay.certificate.tlog.verify import verify
        from easypay.db import Database

        database = Database(settings.database_url)
        async with database.transaction() as session:
            if not database.is_sqlite:  # one snapshot, so appends during the check are not seen
                await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            report = await verify(session, public_key, origin)
        await database.dispose()
        table = Table(
            title=f"Transparency log {origin}: {report.leaves:,} leaves, "
            f"{report.nodes:,} nodes, {report.checkpoints:,} checkpoints"
        )
        table.add_column("check")
        table.add_column("result")
        table.add_column("detail")
        for check in report.checks:
            result = "[green]ok[/]" if check.ok else f"[red]FAILED ({check.failures})[/]"
            table.add_row(check.name, result, "\n".join([check.summary, *check.problems]))
        Console(width=160).print(table)
        return report.ok

    if not asyncio.run(main()):
        console.print("[red]tlog verify: the log does not check out[/]")
        raise typer.Exit(1)
    console.print("[green]tlog verify: every entry, node and checkpoint checks out[/]")


@user_app.command("create")
def user_create(
    phone: Annotated[str, typer.Option(help="Phone number.")],
    name: Annotated[str, typer.Option(help="Real name.")],
    birth_date: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    password: Annotated[str, typer.Option(help="Password.", prompt=True, hide_input=True)],
    pin: Annotated[str | None, typer.Option(help="Also set this payment PIN.")] = None,
    token: Annotated[bool, typer.Option(help="Also open an API session; print its token.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create a user (and their wallet)."""
    from easypay.scripting import create_user

    result = asyncio.run(
        create_user(
            get_settings(), phone, name, date.fromisoformat(birth_date), password, pin, token
        )
    )
    _print_result(result, as_json)


@merchant_app.command("create")
def merchant_create(
    name: Annotated[str, typer.Option(help="Merchant name.")],
    cid: Annotated[list[str], typer.Option(help="CID(s) to assign (10 characters).")] = [],  # noqa: B006
    fee_bp: Annotated[int, typer.Option(help="Fee in basis points.")] = 250,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create a merchant with its CIDs and API keys (the keys are shown once)."""
    from easypay.scripting import create_merchant

    result = asyncio.run(create_merchant(get_settings(), name, cid, fee_bp))
    _print_result(result, as_json)


@admin_app.command("create-operator")
def create_operator(
    phone: Annotated[str, typer.Option(help="Phone number (the sign-in id).")],
    name: Annotated[str, typer.Option(help="Real name.")],
    birth_date: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    password: Annotated[str, typer.Option(help="Password.", prompt=True, hide_input=True)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create an operator (or make an existing user one): they get the operator console."""
    from easypay.scripting import create_operator as create

    result = asyncio.run(
        create(get_settings(), phone, name, date.fromisoformat(birth_date), password)
    )
    _print_result(result, as_json)


@bench_app.command("ledger")
def bench_ledger(
    accounts: Annotated[int, typer.Option(help="Funded user wallets.")] = 10_000,
    seconds: Annotated[float, typer.Option(help="Seconds per measurement.")] = 10.0,
    concurrency: Annotated[list[int], typer.Option(help="Concurrency levels.")] = [1, 8, 32],  # noqa: B006
    batch_size: Annotated[int, typer.Option(help="Transfers per batch call.")] = 500,
    processes: Annotated[
        int, typer.Option(help="Split each measurement's callers among this many processes.")
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Random transfers between funded wallets: transfers/s and p50/p99 per concurrency."""
    from easypay.bench.ledger import run_ledger_bench

    results = asyncio.run(
        run_ledger_bench(get_settings(), accounts, seconds, concurrency, batch_size, processes)
    )
    _print_result(results, as_json)


@bench_app.command("http")
def bench_http(
    scenario: Annotated[
        list[str], typer.Option(help="charge, send, online, pos, history (repeatable).")
    ] = ["charge", "send", "online", "pos", "history"],  # noqa: B006
    seconds: Annotated[float, typer.Option(help="Seconds per measurement.")] = 10.0,
    concurrency: Annotated[int, typer.Option(help="Concurrent clients (closed loop).")] = 32,
    accounts: Annotated[
        list[int], typer.Option(help="Users with a wallet to measure at (repeatable).")
    ] = [10_000],  # noqa: B006
    workers: Annotated[int, typer.Option(help="`easypay serve` worker processes.")] = 2,
    history_entries: Annotated[
        int, typer.Option(help="Entries in the history the history scenario reads.")
    ] = 100_000,
    pool_size: Annotated[int, typer.Option(help="Database pool size per server worker.")] = 16,
    merchants: Annotated[
        int, typer.Option(help="Merchants the payments are spread over (client i pays i % N).")
    ] = 1,
    history_concurrency: Annotated[
        int, typer.Option(help="Clients of the history scenario (its target is one read).")
    ] = 1,
    pgbench_tps: Annotated[
        float | None, typer.Option(help="pgbench's tx/s of the same run, for the targets.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """The server under HTTP load: flows/s and p50/p99/p99.9 per scenario and request."""
    from easypay.bench.http import run_http_bench
    from easypay.bench.http.report import summary

    results = asyncio.run(
        run_http_bench(
            get_settings(),
            scenario,
            seconds,
            concurrency,
            accounts,
            workers,
            history_entries,
            pool_size,
            merchants,
            history_concurrency,
        )
    )
    if as_json:
        _print_result(results, True)
    else:
        sys.stdout.write(summary(results, pgbench_tps) + "\n")
    if not results["verify"]["ok"]:
        raise typer.Exit(1)


@settlement_app.command("run")
def settlement_run(
    business_date: Annotated[
        str | None,
        typer.Option("--date", help="Day to settle, YYYY-MM-DD (default: yesterday, KST)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Settle a business day and pay every payable statement (running it twice pays once)."""
    from easypay.errors import EasyPayError
    from easypay.settlement.command import run_with_settings

    try:
        day = date.fromisoformat(business_date) if business_date is not None else None
    except ValueError as error:
        raise typer.BadParameter("Use YYYY-MM-DD.", param_hint="--date") from error
    try:
        result = asyncio.run(run_with_settings(get_settings(), day))
    except EasyPayError as error:
        console.print(f"[red]{error.detail}[/]")
        raise typer.Exit(1) from error
    if as_json:
        _print_result(result, True)
        return
    table = Table(title=f"Settlement of {result['business_date']}")
    for column in ("statement", "merchant", "day", "status", "net (KRW)", "account", "bank"):
        table.add_column(column)
    for row in result["statements"]:
        table.add_row(
            str(row["settlement_id"]),
            str(row["merchant_id"]),
            row["business_date"],
            row["status"],
            f"{row['net_amount']:,}",
            row["account"],
            " ".join(filter(None, (row["bank_result_code"], row["bank_message"]))),
        )
    Console().print(table)
    paid = sum(row["net_amount"] for row in result["statements"] if row["status"] == "paid")
    console.print(
        f"{result['statements_written']} statement(s) written, "
        f"{paid:,} KRW paid, {result['payouts_reconciled']} payout(s) reconciled"
    )


def _print_result(result: Any, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
    else:
        Console().print(result)


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def main() -> None:
    app()


if __name__ == "__main__":
    main()
