"""`easypay serve` for the fault runs, with a shorter idempotency lease.

A request killed mid-way leaves its Idempotency-Key claimed until the lease runs out (60 s in
the app); retries are refused with 409 until then. The runs kill the server every few seconds,
so they shorten the lease (EASYPAY_FAULTS_LEASE_SECONDS, default 8 s: longer than any request
takes with the bank timeout the runs set) instead of waiting a minute per round.
"""

from __future__ import annotations

import os
from datetime import timedelta

from easypay import cli
from easypay.idempotency import service as idempotency


def main() -> None:
    idempotency.LEASE = timedelta(seconds=float(os.environ.get("EASYPAY_FAULTS_LEASE_SECONDS", 8)))
    cli.serve(host=None, port=None, workers=1)


if __name__ == "__main__":
    main()
