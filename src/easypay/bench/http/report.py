"""The figures as a table, with the targets next to them."""

from __future__ import annotations

from typing import Any

from easypay.bench.http.runner import SCALE_TOLERANCE, TARGETS

# The request each scenario's target is about (its p99 is the one compared).
TARGET_STEP = {"send": "send", "pos": "pos", "history": "history"}


def summary(figures: dict[str, Any], pgbench_tps: float | None = None) -> str:
    lines = [
        f"server: {figures['server']['workers']} worker process(es) + 1 background worker, "
        f"{figures['database'].get('engine')}, {figures['concurrency']} clients "
        f"({figures['history_concurrency']} for history), {figures['merchants']} merchant(s), "
        f"{figures['seconds_per_measurement']} s per measurement",
        f"set-up: {figures.get('set_up')}",
    ]
    if pgbench_tps:
        lines.append(f"pgbench tpcb-like: {pgbench_tps:,.0f} tx/s")
    header = (
        f"{'scenario':9} {'clients':>7} {'accounts':>9} {'flows/s':>8} {'req/s':>7} {'fail':>5} "
        f"{'step':14} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9}  target"
    )
    lines += ["", header, "-" * len(header)]
    for run in figures.get("runs", []):
        first = True
        for step, step_figures in run["steps"].items():
            lead = (
                f"{run['scenario']:9} {run['concurrency']:>7} {run['accounts']:>9,} "
                f"{run['flows_per_second']:>8,.1f} "
                f"{run['requests_per_second']:>7,.0f} {run['failures']:>5}"
                if first
                else " " * 51
            )
            verdict = ""
            if TARGET_STEP.get(run["scenario"]) == step:
                verdict = _verdict(run, step_figures, pgbench_tps)
            lines.append(
                f"{lead} {step:14} {step_figures['p50_ms']:>8.1f} {step_figures['p99_ms']:>8.1f}"
                f" {step_figures['p99_9_ms']:>9.1f}  {verdict}"
            )
            first = False
        if run["cpu_ms_per_flow"]:
            per_flow = ", ".join(f"{k} {v:.1f}" for k, v in run["cpu_ms_per_flow"].items())
            lines.append(f"{'':9} CPU ms per flow: {per_flow}")
        if run["errors"]:
            lines.append(f"{'':9} errors: {run['errors']}")
    lines += _scale_lines(figures.get("runs", []))
    verified = figures.get("verify", {})
    lines.append(
        f"\nledger verify {'ok' if verified.get('ok') else 'FAILED'} "
        f"({verified.get('accounts', 0):,} accounts, {verified.get('transfers', 0):,} transfers)"
        + ("" if verified.get("ok") else f": {verified.get('failures')}")
    )
    return "\n".join(lines)


def _verdict(run: dict[str, Any], step: dict[str, Any], pgbench_tps: float | None) -> str:
    target = TARGETS[run["scenario"]]
    parts = []
    if "share_of_pgbench" in target and pgbench_tps:
        share = run["flows_per_second"] / pgbench_tps
        wanted = target["share_of_pgbench"]
        parts.append(f"{share:.2f}x pgbench (>= {wanted:.2f}: {_met(share >= wanted)})")
    limit = target["p99_ms"]
    parts.append(f"p99 < {limit:.0f} ms: {_met(step['p99_ms'] < limit)}")
    return "; ".join(parts)


def _scale_lines(runs: list[dict[str, Any]]) -> list[str]:
    by_scenario: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_scenario.setdefault(run["scenario"], []).append(run)
    lines = []
    for scenario, measured in by_scenario.items():
        if len(measured) < 2:
            continue
        small = min(measured, key=lambda run: run["accounts"])
        large = max(measured, key=lambda run: run["accounts"])
        if not small["flows_per_second"]:
            continue
        change = large["flows_per_second"] / small["flows_per_second"] - 1
        lines.append(
            f"scale {scenario}: {large['accounts']:,} accounts vs {small['accounts']:,}: "
            f"{change:+.1%} flows/s (target within {SCALE_TOLERANCE:.0%}: "
            f"{_met(change >= -SCALE_TOLERANCE)}){_cost_change(small, large)}"
        )
    return ["", *lines] if lines else []


def _cost_change(small: dict[str, Any], large: dict[str, Any]) -> str:
    """The cost per operation at both scales (server + PostgreSQL CPU per flow): what the
    scale target is about, and steadier than flows/s on a shared machine."""
    costs = []
    for run in (small, large):
        cpu = run.get("cpu_ms_per_flow") or {}
        if "server" not in cpu or "postgres" not in cpu:
            return ""
        costs.append(cpu["server"] + cpu["postgres"])
    return f"; server + PostgreSQL CPU per flow {costs[0]:.1f} -> {costs[1]:.1f} ms"


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"
