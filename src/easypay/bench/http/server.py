"""The server under test: `easypay serve --workers N` and one `easypay worker`, subprocesses.

Each runs with the settings of `environment()`: the sandbox bank and card issuer mounted in
the app (so a charge makes a real HTTP call to the bank, back into the same server), the
worker loop in its own process (it must run once, not once per server worker), and sign-in
rate limits raised (the set-up signs in every bench user from one address).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

import httpx

STARTUP_SECONDS = 60.0
# A file name: run one server process under cProfile and write its stats there (profiling).
PROFILE_VARIABLE = "EASYPAY_BENCH_PROFILE"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database_url: str, port: int, pool_size: int, log_dir: Path) -> dict[str, str]:
    base_url = f"http://127.0.0.1:{port}"
    return {
        **os.environ,
        "EASYPAY_DATABASE_URL": database_url,
        "EASYPAY_BASE_URL": base_url,
        "EASYPAY_HOST": "127.0.0.1",
        "EASYPAY_PORT": str(port),
        "EASYPAY_SECRET_KEY": os.environ.get("EASYPAY_SECRET_KEY") or secrets.token_hex(32),
        "EASYPAY_VAR_DIR": str(log_dir),
        "EASYPAY_RUN_WORKER_IN_PROCESS": "false",
        "EASYPAY_DB_POOL_SIZE": str(pool_size),
        "EASYPAY_LOG_LEVEL": os.environ.get("EASYPAY_BENCH_LOG_LEVEL", "WARNING"),
        "EASYPAY_SIGNIN_LIMIT_PER_IP": "1000000",
        "EASYPAY_SIGNIN_LIMIT_PER_PHONE": "1000000",
        "EASYPAY_LOAD_DEMO_ON_SERVE": "false",
    }


class Server:
    """Starts the app's processes, waits until they answer, stops them (by their own ids)."""

    def __init__(
        self, database_url: str, workers: int, pool_size: int, log_dir: Path, port: int = 0
    ) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_dir = log_dir
        self.env = environment(database_url, self.port, pool_size, log_dir)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[BinaryIO] = []

    def start(self) -> None:
        easypay = [sys.executable, "-m", "easypay.cli"]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        serve = [*easypay, "serve", "--port", str(self.port), "--workers", str(self.workers)]
        profile = os.environ.get(PROFILE_VARIABLE)
        if profile:  # one server process under cProfile; its stats are written when it stops
            serve = [sys.executable, "-m", "easypay.bench.http.profiled", profile, str(self.port)]
        for name, command in (("serve", serve), ("worker", [*easypay, "worker"])):
            log = (self.log_dir / f"{name}.log").open("ab")
            self.logs.append(log)
            self.processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    command,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited early; see {self.log_dir}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {STARTUP_SECONDS:.0f} s")

    def pids(self) -> tuple[int | None, int | None]:
        """The server's and the background worker's process ids."""
        if len(self.processes) < 2:
            return None, None
        return self.processes[0].pid, self.processes[1].pid

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)  # its own session: uvicorn's workers too
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        for log in self.logs:
            log.close()
        self.logs.clear()
