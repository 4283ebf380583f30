"""`easypay tlog verify`: recompute the whole log from its entries and check what is stored.

1. Leaves are dense (0, 1, 2, ...) and each stored leaf hash is SHA-256(0x00 || its data).
2. The head row's size is the number of leaves.
3. Every stored subtree node equals the one recomputed from the data; none missing, none extra.
4. Every stored checkpoint is signed by the log key, names this log, matches its row, and its
   root is the root recomputed from the data at its size.
5. Consecutive checkpoints are consistent: the consistency proof served from the stored nodes
   verifies between their signed roots.

Run it in one snapshot (REPEATABLE READ on PostgreSQL; SQLite's BEGIN IMMEDIATE already is),
or leaves appended while it reads make the head and the leaves disagree. The recomputation
holds about two hashes per leaf in memory (~150 MB for a million leaves).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate.tlog import store
from easypay.certificate.tlog.checkpoint import Checkpoint, NoteError, verify_checkpoint
from easypay.certificate.tlog.errors import TlogError
from easypay.certificate.tlog.merkle import (
    MerkleTree,
    appended_subtrees,
    leaf_hash,
    verify_consistency,
)
from easypay.models import TlogCheckpoint, TlogLeaf, TlogNode

MAX_LISTED = 10
_BATCH = 5000


@dataclass
class Check:
    name: str
    ok: bool = True
    summary: str = ""
    problems: list[str] = field(default_factory=list)
    failures: int = 0

    def fail(self, problem: str) -> None:
        self.ok = False
        self.failures += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)


@dataclass
class Report:
    checks: list[Check]
    leaves: int
    nodes: int
    checkpoints: int

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def failures(self) -> list[str]:
        return [f"{c.name}: {p}" for c in self.checks if not c.ok for p in c.problems]


def _covers(level: int, position: int) -> str:
    first = position << level
    return f"leaf {first}" if level == 0 else f"leaves {first}..{first + (1 << level) - 1}"


async def _check_leaves(
    session: AsyncSession, tree: MerkleTree, expected: dict[tuple[int, int], bytes]
) -> Check:
    check = Check("leaves hash to their data, indexes dense")
    last = -1
    while True:
        rows = (
            await session.execute(
                select(TlogLeaf.index, TlogLeaf.leaf_hash, TlogLeaf.data)
                .where(TlogLeaf.index > last)
                .order_by(TlogLeaf.index)
                .limit(_BATCH)
            )
        ).all()
        for index, stored_hash, data in rows:
            if index != tree.size:
                check.fail(f"leaf {index} follows leaf {last}: leaves {last + 1}..{index - 1} gone")
            recomputed = leaf_hash(bytes(data))
            if bytes(stored_hash) != recomputed:
                check.fail(f"leaf {index}: its data does not hash to its stored leaf hash")
            # the tree is rebuilt from the data, so later checks compare against the truth
            for level, position, hashed in appended_subtrees(
                lambda lv, pos: expected[(lv, pos)], tree.size, recomputed
            ):
                expected[(level, position)] = hashed
            tree.append_leaf_hash(recomputed)
            last = index
        if len(rows) < _BATCH:
            break
    check.summary = f"{tree.size:,} leaves"
    return check


async def _check_nodes(session: AsyncSession, expected: dict[tuple[int, int], bytes]) -> Check:
    check = Check("stored subtree nodes match the data")
    remaining = dict(expected)
    seen = 0
    last = (-1, -1)
    while True:
        rows = (
            await session.execute(
                select(TlogNode.level, TlogNode.position, TlogNode.hash)
                .where(
                    (TlogNode.level > last[0])
                    | ((TlogNode.level == last[0]) & (TlogNode.position > last[1]))
                )
                .order_by(TlogNode.level, TlogNode.position)
                .limit(_BATCH)
            )
        ).all()
        for level, position, hashed in rows:
            seen += 1
            want = remaining.pop((level, position), None)
            if want is None:
                check.fail(f"node ({level}, {position}) over {_covers(level, position)} is extra")
            elif bytes(hashed) != want:
                check.fail(f"node ({level}, {position}) over {_covers(level, position)} differs")
            last = (level, position)
        if len(rows) < _BATCH:
            break
    for level, position in sorted(remaining):
        check.fail(f"node ({level}, {position}) over {_covers(level, position)} is missing")
    check.summary = f"{seen:,} nodes stored, {len(expected):,} expected"
    return check


async def _check_head(session: AsyncSession, leaves: int) -> Check:
    check = Check("log size matches the leaves")
    size = await store.current_size(session)
    if size != leaves:
        check.fail(f"the head says {size} leaves, the table holds {leaves}")
    check.summary = f"size {size:,}"
    return check


async def _check_checkpoints(
    session: AsyncSession,
    tree: MerkleTree,
    public_key: Ed25519PublicKey | None,
    origin: str,
) -> tuple[Check, Check, int]:
    signatures = Check("checkpoints signed by the log key, roots match the data")
    consistency = Check("consecutive checkpoints are consistent")
    rows = (await session.execute(select(TlogCheckpoint).order_by(TlogCheckpoint.size))).scalars()
    good: list[Checkpoint] = []
    count = 0
    for row in rows:
        count += 1
        if public_key is None:
            signatures.fail(f"checkpoint {row.size}: no log key to check its signature with")
            continue
        try:
            signed = verify_checkpoint(row.note, public_key, origin, origin=origin)
        except NoteError as error:
            signatures.fail(f"checkpoint {row.size}: {error}")
            continue
        if signed.size != row.size or signed.root_hash != bytes(row.root_hash):
            # the signed note is what outsiders hold; it still takes part in the checks below
            signatures.fail(f"checkpoint {row.size}: its row differs from its signed note")
        if signed.size > tree.size:
            signatures.fail(f"checkpoint {row.size}: the log holds only {tree.size} leaves")
            continue
        if tree.root(signed.size) != signed.root_hash:
            signatures.fail(f"checkpoint {row.size}: its root is not the root of the data")
        good.append(signed)
    signatures.summary = f"{count:,} checkpoints"
    for older, newer in itertools.pairwise(good):
        try:
            proof = await store.consistency(session, older.size, newer.size)
        except TlogError as error:
            consistency.fail(f"{older.size} → {newer.size}: {error.detail}")
            continue
        if not verify_consistency(
            older.size, newer.size, older.root_hash, newer.root_hash, proof.proof
        ):
            consistency.fail(f"{older.size} → {newer.size}: the stored proof does not verify")
    consistency.summary = f"{max(len(good) - 1, 0):,} pairs"
    return signatures, consistency, count


async def verify(session: AsyncSession, public_key: Ed25519PublicKey | None, origin: str) -> Report:
    """Check the whole log; `public_key` and `origin` are the published key and log name."""
    tree = MerkleTree()
    expected: dict[tuple[int, int], bytes] = {}
    leaves = await _check_leaves(session, tree, expected)
    nodes = await _check_nodes(session, expected)
    head = await _check_head(session, tree.size)
    signatures, consistency, count = await _check_checkpoints(session, tree, public_key, origin)
    return Report([leaves, head, nodes, signatures, consistency], tree.size, len(expected), count)
