"""The certificate transparency log: leaves, stored subtree hashes, signed checkpoints.

Append-only tables: `easypay.certificate.tlog.store` inserts rows and never updates or deletes
them (only `TlogHead.size` moves, by one per append). See certificate/tlog/store.py.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Integer, LargeBinary, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Timestamp


class TlogHead(Base):
    """The single counter row (id 1): the log's size, i.e. the index the next leaf gets.

    Appenders claim an index with `UPDATE ... SET size = size + 1 RETURNING size` in their own
    transaction: the row lock serialises them, and a rollback gives the index back.
    """

    __tablename__ = "tlog_head"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)


class TlogLeaf(Base):
    """One log entry: its dense position, the canonical leaf bytes and their RFC 9162 hash."""

    __tablename__ = "tlog_leaves"
    __table_args__ = (
        CheckConstraint('"index" >= 0', name="index_not_negative"),
        CheckConstraint("length(leaf_hash) = 32", name="leaf_hash_size"),
    )

    index: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[Timestamp]


class TlogNode(Base):
    """A complete aligned subtree: the hash of leaves [position * 2**level, (position+1) *
    2**level). Level 0 rows are the leaf hashes; proofs read only this table."""

    __tablename__ = "tlog_nodes"
    __table_args__ = (
        CheckConstraint("level >= 0 AND level < 64", name="level_in_range"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        CheckConstraint("length(hash) = 32", name="hash_size"),
    )

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class TlogCheckpoint(Base):
    """A signed checkpoint (C2SP signed note) of the tree at `size` leaves."""

    __tablename__ = "tlog_checkpoints"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        CheckConstraint("length(root_hash) = 32", name="root_hash_size"),
    )

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
