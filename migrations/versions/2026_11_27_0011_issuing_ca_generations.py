"""issuing CA generations: which issuing CA signed a certificate and a CRL (the rollover)

Revision ID: c011a7e5d2f4
Revises: b010935af38d
Create Date: 2026-11-27 09:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c011a7e5d2f4"
down_revision: str | None = "b010935af38d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "certificates", sa.Column("generation", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column(
        "certificate_crls",
        sa.Column("generation", sa.Integer(), server_default="1", nullable=False),
    )
    op.create_index(
        "ix_certificate_crls_generation_number",
        "certificate_crls",
        ["generation", "number"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_certificate_crls_generation_number", table_name="certificate_crls")
    with op.batch_alter_table("certificate_crls") as batch:
        batch.drop_column("generation")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("generation")
