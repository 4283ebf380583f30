"""merchant payable shards: every merchant's payable in PAYABLE_SHARDS rows (no hot row)

Revision ID: d012f3a8b6c1
Revises: c011a7e5d2f4
Create Date: 2026-11-27 13:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d012f3a8b6c1"
down_revision: str | None = "c011a7e5d2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 8  # easypay.ledger.accounts.PAYABLE_SHARDS when this was written


def upgrade() -> None:
    # Shards 1..7 next to each merchant's existing shard 0, empty (the balance stays in shard 0).
    for shard in range(1, SHARDS):
        insert = sa.text(
            "INSERT INTO ledger_accounts (code, unit, owner_id, shard, flags, debits_pending, "
            "debits_posted, credits_pending, credits_posted, created_at) "
            "SELECT code, unit, owner_id, :shard, flags, 0, 0, 0, 0, created_at "
            "FROM ledger_accounts a WHERE a.code = 'merchant_payables' AND a.owner_id <> 0 "
            "AND a.shard = 0 AND NOT EXISTS (SELECT 1 FROM ledger_accounts b "
            "WHERE b.code = a.code AND b.unit = a.unit AND b.owner_id = a.owner_id "
            "AND b.shard = :shard)"
        )
        op.execute(insert.bindparams(shard=shard))


def downgrade() -> None:
    # Only the empty shards can go; a shard that was used keeps its rows (and its transfers).
    op.execute(
        "DELETE FROM ledger_accounts WHERE code = 'merchant_payables' AND owner_id <> 0 "
        "AND shard <> 0 AND debits_pending = 0 AND debits_posted = 0 AND credits_pending = 0 "
        "AND credits_posted = 0 AND NOT EXISTS (SELECT 1 FROM ledger_transfers t "
        "WHERE t.debit_account_id = ledger_accounts.id OR t.credit_account_id = ledger_accounts.id)"
    )
