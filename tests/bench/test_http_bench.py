"""`easypay bench http`, run tiny: the real server as subprocesses, every scenario at two
scales, and the ledger still verifies afterwards. No timing is asserted: only that every
flow completed as the API promises."""

from __future__ import annotations

from easypay.bench.http import run_http_bench
from easypay.bench.http.report import summary
from easypay.bench.http.stats import Measurement, percentile_ms

SCENARIOS = ["charge", "send", "online", "pos", "history", "floor"]


class TestHttpBench:
    async def test_a_tiny_run_completes_every_scenario_and_verifies(
        self, settings, database, tmp_path
    ):
        workers = 1 if database.is_sqlite else 2  # `easypay serve --workers` is PostgreSQL only
        figures = await run_http_bench(
            settings,
            SCENARIOS,
            seconds=0.4,
            concurrency=2,
            accounts=[30, 60],
            workers=workers,
            history_entries=60,
            pool_size=4,
            merchants=2,
            log_dir=tmp_path,
        )
        runs = figures["runs"]
        assert [(run["scenario"], run["accounts"]) for run in runs] == [
            *((name, 30) for name in SCENARIOS),
            *((name, 60) for name in SCENARIOS),
        ]
        for run in runs:
            assert run["failures"] == 0, run["errors"]
            assert run["flows"] > 0, run
            for step in run["steps"].values():
                assert step["p99_9_ms"] >= step["p99_ms"] >= step["p50_ms"] > 0
        steps = {run["scenario"]: set(run["steps"]) for run in runs}
        assert steps == {
            "charge": {"charge"},
            "send": {"send", "view", "receive"},
            "online": {"ready", "checkout_page", "checkout_pin", "approve"},
            "pos": {"code", "pos"},
            "history": {"history"},
            "floor": {"healthz"},
        }
        assert {run["concurrency"] for run in runs if run["scenario"] == "history"} == {1}
        assert figures["set_up"]["history_entries"] == 60
        assert figures["set_up"]["accounts_60"]["users"] == 60
        assert figures["verify"]["ok"], figures["verify"]["failures"]
        printed = summary(figures, pgbench_tps=1000.0)
        assert "ledger verify ok" in printed
        assert "x pgbench (>= 0.25" in printed
        assert "scale pos: 60 accounts vs 30" in printed

    async def test_unknown_scenarios_and_a_lone_client_are_refused(self, settings):
        for scenarios, concurrency in ((["teleport"], 2), (["send"], 1)):
            try:
                await run_http_bench(settings, scenarios, 0.1, concurrency, [10], 1, 0, 2)
            except ValueError:
                continue
            raise AssertionError(f"{scenarios} at {concurrency} was accepted")


class TestFigures:
    def test_percentiles_are_nearest_rank(self):
        values = [n / 1000 for n in range(1, 1001)]  # 1 ms .. 1000 ms
        assert percentile_ms(values, 500) == 500.0
        assert percentile_ms(values, 990) == 990.0
        assert percentile_ms(values, 999) == 999.0
        assert percentile_ms([], 990) == 0.0
        assert percentile_ms([0.004], 999) == 4.0

    def test_a_measurement_counts_flows_requests_and_failures(self):
        measurement = Measurement("send", 2, 10, flows=3, seconds=2.0)
        for seconds in (0.01, 0.02, 0.03):
            measurement.step("send", seconds)
        measurement.failed("send 402 InsufficientFunds")
        figures = measurement.as_dict()
        assert figures["flows_per_second"] == 1.5
        assert figures["requests_per_second"] == 1.5
        assert figures["failures"] == 1
        assert figures["errors"] == {"send 402 InsufficientFunds": 1}
        assert figures["steps"]["send"]["p50_ms"] == 20.0
