"""certificate_challenges: single-use sign-in challenges (certificate/signin.py)

Revision ID: b010935af38d
Revises: b62d8f846dcf
Create Date: 2026-11-27 08:59:24.704736+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import easypay.models.base

revision: str = "b010935af38d"
down_revision: str | None = "b62d8f846dcf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate_challenges",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("phone_ref", sa.String(length=64), nullable=False),
        sa.Column(
            "certificate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("message_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), server_default="", nullable=False),
        sa.Column("expires_at", easypay.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", easypay.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", easypay.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_challenges_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_challenges")),
        sa.UniqueConstraint("public_id", name=op.f("uq_certificate_challenges_public_id")),
    )
    with op.batch_alter_table("certificate_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_challenges_phone_ref"), ["phone_ref"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("certificate_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_challenges_phone_ref"))

    op.drop_table("certificate_challenges")
