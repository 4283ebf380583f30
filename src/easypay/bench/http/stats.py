"""What one scenario measured: completed flows, each request step's latencies, refusals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def percentile_ms(ordered: list[float], per_mille: int) -> float:
    """The nearest-rank percentile (in thousandths: 990 is p99, 999 is p99.9), in ms."""
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, -(-len(ordered) * per_mille // 1000) - 1))
    return round(ordered[rank] * 1000, 2)


def latency_figures(latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50_ms": percentile_ms(ordered, 500),
        "p99_ms": percentile_ms(ordered, 990),
        "p99_9_ms": percentile_ms(ordered, 999),
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else 0.0,
    }


@dataclass
class Measurement:
    """One scenario at one scale. A flow is what the scenario counts (a payment, a send +
    receive, a history page); `steps` are its HTTP requests, each timed on its own."""

    scenario: str
    concurrency: int
    accounts: int
    flows: int = 0
    failures: int = 0
    seconds: float = 0.0
    steps: dict[str, list[float]] = field(default_factory=dict)
    flow_latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    def step(self, name: str, seconds: float) -> None:
        self.steps.setdefault(name, []).append(seconds)

    def failed(self, what: str) -> None:
        self.failures += 1
        self.errors[what] = self.errors.get(what, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        requests = sum(len(latencies) for latencies in self.steps.values())
        return {
            "scenario": self.scenario,
            "concurrency": self.concurrency,
            "accounts": self.accounts,
            "flows": self.flows,
            "failures": self.failures,
            "errors": dict(sorted(self.errors.items())),
            "seconds": round(self.seconds, 2),
            "flows_per_second": round(self.flows / self.seconds, 1) if self.seconds else 0.0,
            "requests_per_second": round(requests / self.seconds, 1) if self.seconds else 0.0,
            "flow": latency_figures(self.flow_latencies),
            "cpu_seconds": self.cpu_seconds,
            "cpu_ms_per_flow": {
                role: round(1000 * spent / self.flows, 2) if self.flows else 0.0
                for role, spent in self.cpu_seconds.items()
            },
            "steps": {name: latency_figures(values) for name, values in self.steps.items()},
        }
