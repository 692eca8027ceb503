"""Watchlists, status checks (history and cache), status changes, and the audit log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "status_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("business_number", sa.String(10), nullable=False),
        sa.Column("status_code", sa.String(2), nullable=False),
        sa.Column("provider", sa.String(8), nullable=False),
        sa.Column("checked_at", _TIME, nullable=False),
    )
    op.create_index(
        "ix_status_checks_number_checked_at", "status_checks", ["business_number", "checked_at"]
    )
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("business_number", sa.String(10), nullable=False),
        sa.Column("label", sa.String(100), nullable=True),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("last_status_code", sa.String(2), nullable=True),
        sa.Column("last_checked_at", _TIME, nullable=True),
        sa.Column("next_check_at", _TIME, nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("claim_until", _TIME, nullable=True),
        sa.UniqueConstraint("team_id", "business_number", name="uq_watches_team_number"),
    )
    op.create_index("ix_watches_next_check_at", "watches", ["next_check_at"])
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("business_number", sa.String(10), nullable=False),
        sa.Column("old_status_code", sa.String(2), nullable=True),
        sa.Column("new_status_code", sa.String(2), nullable=False),
        sa.Column("changed_at", _TIME, nullable=False),
    )
    op.create_index(
        "ix_status_changes_team_changed_at", "status_changes", ["team_id", "changed_at"]
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("at", _TIME, nullable=False),
    )
    op.create_index("ix_audit_log_team_at", "audit_log", ["team_id", "at"])


def downgrade() -> None:
    for index, table in (
        ("ix_audit_log_team_at", "audit_log"),
        ("ix_status_changes_team_changed_at", "status_changes"),
        ("ix_watches_next_check_at", "watches"),
        ("ix_status_checks_number_checked_at", "status_checks"),
    ):
        op.drop_index(index, table_name=table)
        op.drop_table(table)
