"""`easypay tlog verify` passes on a good log and fails, naming what is wrong, after tampering."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, update

from easypay.certificate.tlog import store
from easypay.certificate.tlog.checkpoint import sign_checkpoint, verifier_key
from easypay.certificate.tlog.key import load_log_key, log_origin, published_key
from easypay.certificate.tlog.merkle import leaf_hash
from easypay.certificate.tlog.verify import Report, verify
from easypay.config import Settings
from easypay.db import Database
from easypay.models import TlogCheckpoint, TlogLeaf, TlogNode
from tests.certificate.tlog_support import append_each

EASYPAY = str(Path(sys.executable).parent / "easypay")


def run_verify(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EASYPAY_DATABASE_URL": settings.database_url,
        "EASYPAY_SECRET_KEY": settings.secret_key or "",
        "EASYPAY_VAR_DIR": str(settings.var_dir),
        "EASYPAY_BASE_URL": settings.base_url,
        "COLUMNS": "200",
    }
    return subprocess.run(
        [EASYPAY, "tlog", "verify", *args], env=env, capture_output=True, text=True, timeout=120
    )


async def checkpoint_now(database: Database, settings: Settings) -> None:
    async with database.transaction() as session:
        await store.checkpoint(session, load_log_key(settings), log_origin(settings))


async def build_log(database: Database, settings: Settings) -> None:
    """40 leaves with checkpoints at 0, 13, 32 and 40."""
    await checkpoint_now(database, settings)
    await append_each(database, 0, 13)
    await checkpoint_now(database, settings)
    await append_each(database, 13, 19)
    await checkpoint_now(database, settings)
    await append_each(database, 32, 8)
    await checkpoint_now(database, settings)


async def verify_in_process(database: Database, settings: Settings) -> Report:
    _, public_key, _ = published_key(settings)
    async with database.transaction() as session:
        return await verify(session, public_key, log_origin(settings))


class TestCommand:
    async def test_a_good_log_passes(self, database, settings):
        await build_log(database, settings)
        result = run_verify(settings)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "40 leaves" in result.stdout
        assert "4 checkpoints" in result.stdout
        assert "checks out" in result.stderr

    async def test_the_published_key_can_be_given_instead_of_the_key_file(self, database, settings):
        await build_log(database, settings)
        result = run_verify(settings, "--verifier-key", published_key(settings)[2])
        assert result.returncode == 0, result.stdout + result.stderr
        stranger = Ed25519PrivateKey.generate().public_key()
        other = verifier_key(log_origin(settings), stranger)
        result = run_verify(settings, "--verifier-key", other)
        assert result.returncode == 1
        assert "checkpoint 13" in result.stdout

    async def test_changed_entry_data_is_detected_and_named(self, database, settings):
        await build_log(database, settings)
        async with database.transaction() as session:
            await session.execute(
                update(TlogLeaf).where(TlogLeaf.index == 17).values(data=b'{"kind":"forged"}')
            )
        result = run_verify(settings)
        assert result.returncode == 1, result.stdout
        assert "leaf 17: its data does not hash to its stored leaf hash" in result.stdout
        assert "does not check out" in result.stderr

    async def test_a_deleted_node_is_detected(self, database, settings):
        await build_log(database, settings)
        async with database.transaction() as session:
            await session.execute(
                delete(TlogNode).where(TlogNode.level == 2, TlogNode.position == 3)
            )
        result = run_verify(settings)
        assert result.returncode == 1, result.stdout
        assert "node (2, 3) over leaves 12..15 is missing" in result.stdout


class TestTampering:
    async def test_data_and_hash_rewritten_together_break_the_signed_roots(
        self, database, settings
    ):
        await build_log(database, settings)
        forged = b'{"kind":"forged"}'
        async with database.transaction() as session:
            await session.execute(
                update(TlogLeaf)
                .where(TlogLeaf.index == 5)
                .values(data=forged, leaf_hash=leaf_hash(forged))
            )
        report = await verify_in_process(database, settings)
        failures = "\n".join(report.failures())
        assert not report.ok
        assert "node (0, 5) over leaf 5 differs" in failures
        for size in (13, 32, 40):
            assert f"checkpoint {size}: its root is not the root of the data" in failures

    async def test_a_deleted_leaf_is_a_gap(self, database, settings):
        await build_log(database, settings)
        async with database.transaction() as session:
            await session.execute(delete(TlogLeaf).where(TlogLeaf.index == 20))
        report = await verify_in_process(database, settings)
        failures = "\n".join(report.failures())
        assert "leaf 21 follows leaf 19" in failures
        assert "the head says 40 leaves, the table holds 39" in failures

    async def test_a_forged_checkpoint_is_refused(self, database, settings):
        await build_log(database, settings)
        stranger = Ed25519PrivateKey.generate()
        origin = log_origin(settings)
        async with database.transaction() as session:
            row = await session.get(TlogCheckpoint, 32)
            assert row is not None
            row.note = sign_checkpoint(origin, 32, row.root_hash, stranger, origin)
        report = await verify_in_process(database, settings)
        failures = "\n".join(report.failures())
        assert "checkpoint 32: the signature of" not in failures  # another key: not ours
        assert "checkpoint 32: the note carries no signature of" in failures

    async def test_a_checkpoint_whose_row_disagrees_with_its_note(self, database, settings):
        await build_log(database, settings)
        async with database.transaction() as session:
            await session.execute(
                update(TlogCheckpoint).where(TlogCheckpoint.size == 13).values(root_hash=bytes(32))
            )
        report = await verify_in_process(database, settings)
        failures = "\n".join(report.failures())
        assert "checkpoint 13: its row differs from its signed note" in failures
        # its signed note still takes part: all three pairs are checked, and hold
        assert report.checks[-1].ok
        assert report.checks[-1].summary == "3 pairs"

    async def test_an_inconsistent_stored_proof_is_caught(self, database, settings):
        await build_log(database, settings)
        async with database.transaction() as session:
            await session.execute(
                update(TlogNode)
                .where(TlogNode.level == 3, TlogNode.position == 4)
                .values(hash=bytes(32))
            )
        report = await verify_in_process(database, settings)
        failures = "\n".join(report.failures())
        assert "node (3, 4) over leaves 32..39 differs" in failures
        assert "32 → 40: the stored proof does not verify" in failures

    async def test_a_good_log_reports_what_it_checked(self, database, settings):
        await build_log(database, settings)
        report = await verify_in_process(database, settings)
        assert report.ok, report.failures()
        assert (report.leaves, report.checkpoints) == (40, 4)
        assert report.nodes == 40 + 20 + 10 + 5 + 2 + 1
