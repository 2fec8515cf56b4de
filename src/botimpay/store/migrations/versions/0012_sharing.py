"""order sharing: each sharing member's share of a payment and its refunds

(placeholder: filled by the change that needs it)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 03:10:00
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
