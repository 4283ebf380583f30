"""`easypay bench http`: the whole stack under load, over real HTTP.

The server (`easypay serve --workers N` and one `easypay worker`) runs as subprocesses on a
free port; this process sets up the users, merchant and history, then is the load generator
(asyncio + aiohttp, closed loop, N concurrent clients). bench/README.md says how to run it and
what each figure means.
"""

from easypay.bench.http.runner import run_http_bench

__all__ = ["run_http_bench"]
