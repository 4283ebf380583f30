"""`easypay bench ledger`, run small: it measures every level, and leaves the ledger valid."""

from __future__ import annotations

from easypay.bench.ledger import run_ledger_bench


class TestLedgerBench:
    async def test_a_small_run_measures_every_level_and_verifies(
        self, settings, database, monkeypatch
    ):
        monkeypatch.setenv("EASYPAY_BENCH_PATHS", "service,portable")  # portable: PostgreSQL only
        figures = await run_ledger_bench(settings, 20, 0.3, [1, 4], 10)
        single = {(row["path"], row["concurrency"]): row for row in figures["single"]}
        assert {concurrency for _, concurrency in single} == {1, 4}
        assert {path for path, _ in single} == (
            {"service"} if database.is_sqlite else {"service", "portable"}
        )
        assert all(row["transfers"] > 0 for row in single.values())
        assert all(row["p99_ms"] >= row["p50_ms"] > 0 for row in single.values())
        assert all(row["transfers"] > 0 and row["batch_size"] == 10 for row in figures["batch"])
        assert figures["set_up"]["wallets_created"] == 20
        assert figures["verify"]["ok"], figures["verify"]["failures"]

    async def test_a_second_run_reuses_the_wallets(self, settings, database):
        await run_ledger_bench(settings, 5, 0.1, [1], 5)
        figures = await run_ledger_bench(settings, 5, 0.1, [1], 5)
        assert figures["set_up"]["wallets_created"] == 0
