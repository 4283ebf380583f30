"""Short versions of the fault runs (bench/faults/README.md), run by CI on every change: the
server killed 3 times under load (charges, sends, money requests, bank-account transfers, store
payments, online payments by Pay Money and by card, with cancels), PostgreSQL stopped in
immediate mode 3 times (PostgreSQL run only), the sandbox bank and card issuer failing for
15 s, and a 15 s Jepsen-shaped bank test with one kill. Each runs the app as its own process on
its own database (a SQLite file, or on the PostgreSQL run a cluster of its own, so that it can
be stopped) and asserts the run's verdict: every acknowledged operation exists once, nothing
else moved, no hold or key is left open, every user's money adds up, `easypay ledger verify`
passes. The sandbox bank and card issuer run in a process of their own that the runs never
kill."""

from __future__ import annotations

import os

import pytest

from easypay.bench.faults import bank_test, checks, crash, harness, sandbox

pytestmark = pytest.mark.no_database  # each run brings its own server and database

ON_POSTGRES = bool(os.environ.get("EASYPAY_TEST_DATABASE_URL"))
DATABASE = "postgres" if ON_POSTGRES else "sqlite"
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES or harness.pg_bin_dir() is None,
    reason="stopping the database needs PostgreSQL (the PostgreSQL run)",
)


def assert_clean(verdict: checks.Verdict) -> None:
    assert verdict.ok, "\n".join(verdict.violations)
    figures = verdict.figures
    assert figures["duplicates"] == 0
    assert figures["orphans"] == 0
    assert figures["balance mismatches"] == 0
    assert figures["ledger verify"] == "ok"


class TestCrash:
    async def test_the_server_killed_three_times_loses_and_doubles_nothing(self):
        plan = crash.Plan(
            database=DATABASE, kill="server", rounds=3, users=4, clients=4, every=(1.0, 2.5)
        )
        verdict, status = await crash.run(plan)
        assert_clean(verdict)
        assert status == 0
        assert verdict.figures["rounds"] == 3
        assert verdict.figures["server starts"] == 4
        assert verdict.figures["sandbox starts"] == 1  # the bank was never killed
        assert verdict.figures["operations acknowledged"] > 0
        kinds = verdict.figures["by kind"]
        for kind in ("bank transfer", "money request", "online card payment", "pos payment"):
            assert kinds.get(kind, 0) > 0, kinds

    @needs_postgres
    async def test_postgres_stopped_in_immediate_mode_three_times(self):
        plan = crash.Plan(
            database="postgres", kill="postgres", rounds=3, users=4, clients=4, every=(1.0, 2.5)
        )
        verdict, status = await crash.run(plan)
        assert_clean(verdict)
        assert status == 0
        assert verdict.figures["rounds"] == 3
        assert verdict.figures["operations acknowledged"] > 0


class TestSandboxFaults:
    async def test_a_failing_bank_and_card_issuer_end_every_operation(self):
        plan = sandbox.Plan(database=DATABASE, seconds=15, users=4, clients=4)
        verdict, status = await sandbox.run(plan)
        assert_clean(verdict)
        assert status == 0
        assert verdict.figures["faults injected"] > 0
        assert verdict.figures["operations acknowledged"] > 0


class TestBankTest:
    async def test_snapshots_always_sum_to_the_same_total(self):
        plan = bank_test.Plan(database=DATABASE, seconds=15, users=5, clients=6, readers=2, kills=1)
        verdict, status = await bank_test.run(plan)
        assert_clean(verdict)
        assert status == 0
        assert verdict.figures["snapshots read"] > 1
        assert verdict.figures["snapshot anomalies"] == 0
        assert verdict.figures["operations acknowledged"] > 0
