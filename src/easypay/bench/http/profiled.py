"""`python -m easypay.bench.http.profiled STATS PORT`: one server process under cProfile.

What `easypay serve --workers 1` runs, with the profiler on from start to stop; its stats are
written to STATS when the process is told to stop (uvicorn would otherwise re-raise SIGTERM
after its graceful shutdown and die before the profiler could write them).
"""

from __future__ import annotations

import cProfile
import sys
from types import FrameType

import uvicorn

from easypay.config import get_settings
from easypay.observability import configure_logging


class _Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.should_exit = True  # and do not re-raise the signal afterwards


def main(stats: str, port: int) -> None:
    configure_logging(get_settings().log_level)
    config = uvicorn.Config(
        "easypay.cli:serving_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
    )
    profile = cProfile.Profile()
    profile.enable()
    try:
        _Server(config).run()
    finally:
        profile.disable()
        profile.dump_stats(stats)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
