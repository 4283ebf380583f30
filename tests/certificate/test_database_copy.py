"""A copy of the database without the server secret opens no server-held key, even with every
one of the 1,000,000 certificate PINs tried (the issue's test, at the service level: the row
as the service stored it, attacked with all PINs in two processes).

Runs on the SQLite half only: the sealed bytes do not depend on the database, and a million
Argon2 attempts (cheap test parameters, about a minute on two cores) need not run twice."""

from __future__ import annotations

import multiprocessing
import os
import secrets
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import select

from easypay.certificate.pki.custody import open_private_key
from easypay.certificate.pki.errors import ServerSecretMismatch, WrongPin
from easypay.models import Certificate
from tests.certificate.lifecycle_support import CERT_PIN, api, fast_argon, issue, someone

__all__ = ["api", "fast_argon"]

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("EASYPAY_TEST_DATABASE_URL")),
    reason="database-independent; run once, on the SQLite half",
)

ALL_PINS = 1_000_000


def _try_pins(
    sealed: bytes, salt: bytes, context: bytes, secret: bytes, start: int, stop: int
) -> tuple[int, int]:
    """(opened, refused as another server secret) over PINs start..stop-1."""
    opened = mismatched = 0
    for number in range(start, stop):
        try:
            open_private_key(sealed, f"{number:06d}", secret, salt, context=context)
            opened += 1
        except ServerSecretMismatch:
            mismatched += 1
    return opened, mismatched


async def test_every_pin_fails_on_a_copy_without_the_server_secret(api, database, settings):
    user = await someone(api, database)
    item = await issue(api, user)
    async with database.transaction() as session:
        row = (
            await session.execute(select(Certificate).where(Certificate.id == item["id"]))
        ).scalar_one()
    assert row.sealed_key is not None
    assert row.key_salt is not None
    sealed, salt, context = row.sealed_key, row.key_salt, row.serial_hex.encode()
    # The control: with the server secret, the right PIN opens it and a wrong one does not.
    open_private_key(sealed, CERT_PIN, settings.server_secret, salt, context=context)
    with pytest.raises(WrongPin):
        open_private_key(sealed, "000000", settings.server_secret, salt, context=context)

    guessed = secrets.token_bytes(32)  # the thief's best: any secret that is not the server's
    chunks = [(n, min(n + 62_500, ALL_PINS)) for n in range(0, ALL_PINS, 62_500)]
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        futures = [
            pool.submit(_try_pins, sealed, salt, context, guessed, start, stop)
            for start, stop in chunks
        ]
        results = [future.result() for future in futures]
    assert sum(opened for opened, _ in results) == 0
    assert sum(mismatched for _, mismatched in results) == ALL_PINS
