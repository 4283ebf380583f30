"""Schemathesis against the in-process app: the schema is the app's own `/openapi.json`, the
cases come from schemathesis' Hypothesis strategies, and each call goes through the test suite's
httpx ASGI client on the suite's event loop (Hypothesis itself runs in a worker thread, so that
the app's database engine stays on the loop it was made on).

`EASYPAY_FUZZ_EXAMPLES` sets the examples per operation, role and mode (default 4: the CI run);
`EASYPAY_FUZZ_SEED` changes the derandomised seed for a different walk of the same size.
"""

from __future__ import annotations

import asyncio
import os
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("EASYPAY_FUZZ_EXAMPLES", "4"))
SEED = int(os.environ.get("EASYPAY_FUZZ_SEED", "0"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CALL_TIMEOUT = 120.0


@dataclass
class Report:
    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    operations: int = 0

    where: dict[int, set[str]] = field(default_factory=dict)

    def count(self, status: int, label: str = "") -> None:
        self.calls += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.where.setdefault(status, set()).add(label)


def load(openapi: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_dict(openapi)


def operations(schema: Any, wanted: Callable[[str, str], bool]) -> list[Any]:
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if wanted(operation.method.upper(), operation.path):
            found.append(operation)
    return found


def _httpx_kwargs(case: Any, headers: Mapping[str, str]) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=dict(headers))
    out: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": {k: str(v) for k, v in (kwargs.get("headers") or {}).items()},
        "params": kwargs.get("params") or None,
    }
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, (bytes, str)):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    if kwargs.get("files"):
        out["files"] = kwargs["files"]
    return out


async def _call(client: httpx.AsyncClient, request: dict[str, Any]) -> httpx.Response:
    return await client.request(**request)


async def fuzz(
    client: httpx.AsyncClient,
    schema: Any,
    targets: Iterable[Any],
    headers: Callable[[], Mapping[str, str]],
    report: Report,
    modes: Iterable[GenerationMode] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    bind: Callable[[str, str], dict[str, Any] | None] | None = None,
) -> None:
    """Every target operation, in each mode, with the role's headers; failures go to `report`
    (all of them, not only the first), each with the request that showed it."""
    loop = asyncio.get_running_loop()
    for operation in targets:
        report.operations += 1
        bound = bind(operation.method.upper(), operation.path) if bind else None
        examples = [] if bound else schema.get_strategies_from_examples(operation)
        if examples:  # the description's own examples first (e.g. a payment's `ready`)
            label = f"{operation.method.upper()} {operation.path} [examples]"
            strategy = st.one_of(examples)
            await asyncio.to_thread(_run_one, loop, client, strategy, headers, report, label)
        for mode in modes:
            label = f"{operation.method.upper()} {operation.path} [{mode.value}]"
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=bound)
            await asyncio.to_thread(_run_one, loop, client, strategy, headers, report, label)


def _run_one(
    loop: asyncio.AbstractEventLoop,
    client: httpx.AsyncClient,
    strategy: Any,
    headers: Callable[[], Mapping[str, str]],
    report: Report,
    label: str,
) -> None:
    last: dict[str, Any] = {}

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        report_multiple_bugs=False,
        print_blob=False,
    )
    @hypothesis.seed(SEED)
    @given(case=strategy)
    def check(case: Any) -> None:
        request = _httpx_kwargs(case, headers())
        last["request"] = request
        future = asyncio.run_coroutine_threadsafe(_call(client, request), loop)
        response = future.result(CALL_TIMEOUT)
        report.count(response.status_code, label)
        last["response"] = f"{response.status_code} {response.text[:500]}"
        case.validate_response(response, checks=CHECKS)

    try:
        check()
    except hypothesis.errors.Unsatisfiable:
        return
    except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - all failures reported
        text = "".join(traceback.format_exception_only(type(error), error)).strip()
        report.failures.append(
            f"{label}: {text[:1500]}\n    request: {last.get('request')}\n"
            f"    response: {last.get('response')}"
        )
