"""accounts.slot: a logical account spread over sub-rows (no hot rows)

A logical account is (kind, owner_id); it may now be several rows, one per slot
(domain/ledger.py `SLOTS`), so concurrent payments to one merchant update different
rows instead of queueing on one. Existing rows become slot 0 and keep their ids, so
every posting still points at its row. The unique key moves from (kind, owner_id) to
(kind, owner_id, slot).

On SQLite the inline UNIQUE can only go by rebuilding `accounts` (batch mode), which
`postings` refers to: botimpay.store.migrate runs SQLite migrations with foreign keys
off and checks them (PRAGMA foreign_key_check) before it commits, as SQLite's own
procedure for such changes says.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 07:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("slot", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.drop_constraint("uq_accounts_kind_owner", type_="unique")
        batch_op.create_unique_constraint(
            "uq_accounts_kind_owner_slot", ["kind", "owner_id", "slot"]
        )
        batch_op.create_check_constraint(op.f("ck_accounts_slot_non_negative"), "slot >= 0")


def downgrade() -> None:
    # Folding sub-rows back into one would rewrite postings: refused while any exist.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM accounts WHERE slot <> 0")).scalar():
        raise RuntimeError("accounts has sub-rows (slot > 0): cannot downgrade below 0016")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_accounts_slot_non_negative"), type_="check")
        batch_op.drop_constraint("uq_accounts_kind_owner_slot", type_="unique")
        batch_op.create_unique_constraint("uq_accounts_kind_owner", ["kind", "owner_id"])
        batch_op.drop_column("slot")
